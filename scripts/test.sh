#!/usr/bin/env bash
# Installs everything (tests' peers included), builds with warnings as errors,
# and runs every test through CTest in three stages: under ASan+UBSan (minus
# the peak-RSS properties, which the sanitizer's own memory use would swamp);
# libFuzzer on every parser for SLUICE_FUZZ_SECONDS each (default 15; the
# fuzz preset's fuzz-run:TARGET tests, which replay each checked-in corpus
# first; skipped when arguments for CTest are given); then the default
# (RelWithDebInfo) build. Tests run two per core; those tagged [serial] run
# alone (tests/CMakeLists.txt). Every stage always runs, so one failure never
# hides another's results; the exit status fails if any failed.
# `.ci/run` runs exactly this; its output ends with the default stage's CTest
# summary.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test || exit 1
jobs=$((2 * $(nproc)))
asan=0
if SLUICE_WERROR=1 scripts/build.sh asan; then
  ctest --preset asan -j"$jobs" -E "peak RSS|memory stays bounded" "$@" || asan=1
else
  asan=1
fi
((asan)) && echo "test.sh: the ASan stage FAILED (see above); the others run anyway"
fuzz=0
# Only the fuzz targets: the fuzz preset's sluice itself is not needed. Not
# when CTest arguments choose tests (say -R): those name the other stages'.
if (($# == 0)); then
  if cmake --preset fuzz -DSLUICE_WERROR=ON -DSLUICE_FUZZ_SECONDS="${SLUICE_FUZZ_SECONDS:-15}" >/dev/null &&
    cmake --build --preset fuzz -j"$(nproc)" --target fuzz_targets; then
    # One fuzzer per core: each is CPU-bound. A stage without tests fails.
    ctest --preset fuzz -j"$(nproc)" --no-tests=error || fuzz=1
  else
    fuzz=1
  fi
fi
((fuzz)) && echo "test.sh: the fuzz stage FAILED (see above); the default stage runs anyway"
SLUICE_WERROR=1 scripts/build.sh default || exit 1
ctest --preset default -j"$jobs" "$@" || exit 1
((asan || fuzz)) && exit 1
exit 0
