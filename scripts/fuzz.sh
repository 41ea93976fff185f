#!/usr/bin/env bash
# Fuzzes one parser with libFuzzer: scripts/fuzz.sh TARGET [SECONDS] (default 60).
# TARGET is a name from tests/fuzz/CMakeLists.txt (url, serve_request, hpack,
# response, range, conditional, h2_server, h2_client, hdr_histogram,
# bench_json, write_out, size_duration, cookie_jar, url_glob,
# content_decoder, serve_target, qpack). Builds the fuzz preset's target (clang 19, ASan + UBSan;
# build/fuzz), then runs TARGET on a scratch copy of its seed
# corpus: new inputs and crashes go to build/fuzz/work/TARGET, never into the
# repository. Idempotent; installs clang 19 and its runtime if missing.
#
# Not part of scripts/test.sh (CI has no time for it): CI replays each
# checked-in corpus instead (the fuzz-replay:TARGET tests).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
seconds=${2:-60}
corpus=tests/fuzz/corpus/$target
[[ -d $corpus ]] || { echo "fuzz.sh: no target '$target' (no $corpus)" >&2; exit 2; }

# clang 19, not Debian 12's default 14: libstdc++ 12 offers std::expected
# (core's Result) only to compilers whose __cpp_concepts is C++20's, which
# clang reports from 19 on.
pkgs=(clang-19 libclang-rt-19-dev)
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
need=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  apt-cache show "${need[0]}" >/dev/null 2>&1 || $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"${FUZZ_JOBS:-$(nproc)}" --target "fuzz_$target"

work=build/fuzz/work/$target
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$corpus"/* "$work/corpus/"
echo "fuzz.sh: $target for ${seconds}s on a copy of $corpus (in $work)"
status=0
start=$SECONDS
# Stack traces with names and lines need an llvm-symbolizer (any version).
symbolizer=$(command -v llvm-symbolizer-19 llvm-symbolizer | head -1 || true)
[[ -n $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$symbolizer}
build/fuzz/tests/fuzz/"fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" || status=$?

found=$(find "$work/artifacts" -type f | sort)
new=$(( $(ls "$work/corpus" | wc -l) - $(ls "$corpus" | wc -l) ))
echo "fuzz.sh: $target ran $((SECONDS - start))s; the corpus grew by $new inputs (not kept)"
if [[ -n $found ]]; then
  echo "fuzz.sh: findings (crashes, leaks, timeouts):"
  echo "$found" | sed 's/^/  /'
  cat <<HOW
To keep one: minimise it, then check it in so that CTest replays it
(fuzz-replay:$target) on every build:
  build/fuzz/tests/fuzz/fuzz_$target -minimize_crash=1 -runs=10000 \\
    -exact_artifact_path=$corpus/NAME FINDING
  git add $corpus/NAME   # and fix the bug it shows
HOW
fi
echo "fuzz.sh: to keep new inputs that add coverage: build/fuzz/tests/fuzz/fuzz_$target -merge=1 $corpus $work/corpus"
exit $status
