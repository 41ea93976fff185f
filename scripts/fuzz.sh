#!/usr/bin/env bash
# Fuzzes one parser with libFuzzer: scripts/fuzz.sh TARGET [SECONDS] (default 60).
# TARGET is a name from tests/fuzz/CMakeLists.txt (url, serve_request, hpack,
# response, range, conditional, h2_server, h2_client, hdr_histogram,
# bench_json, write_out, size_duration, cookie_jar, url_glob,
# content_decoder, serve_target, qpack). Builds the fuzz preset's target
# (clang 19, ASan + UBSan; build/fuzz), then runs it on a scratch copy of its
# seed corpus (tests/fuzz/run_bounded.sh): new inputs and crashes go to
# build/fuzz/work/TARGET, never into the repository. Idempotent; installs
# clang 19 and its runtime if missing (scripts/setup.sh --fuzz).
#
# scripts/test.sh runs every target briefly (the fuzz preset's CTest tests
# fuzz-run:TARGET); this is for a longer run of one.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
seconds=${2:-60}
corpus=tests/fuzz/corpus/$target
[[ -d $corpus ]] || { echo "fuzz.sh: no target '$target' (no $corpus)" >&2; exit 2; }

scripts/setup.sh --fuzz >/dev/null
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"${FUZZ_JOBS:-$(nproc)}" --target "fuzz_$target"

work=build/fuzz/work/$target
echo "fuzz.sh: libFuzzer's progress is in $work/log"
status=0
tests/fuzz/run_bounded.sh "build/fuzz/tests/fuzz/fuzz_$target" "$corpus" "$work" "$seconds" ||
  status=$?
echo "fuzz.sh: to keep new inputs that add coverage: build/fuzz/tests/fuzz/fuzz_$target -merge=1 $corpus $work/corpus"
exit $status
