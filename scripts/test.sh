#!/usr/bin/env bash
# Installs everything (tests' peers included), builds with warnings as errors,
# and runs every test through CTest in two stages: under ASan+UBSan (minus the
# peak-RSS properties, which the sanitizer's own memory use would swamp), then
# the default (RelWithDebInfo) build. Tests run two per core (most wait on
# sockets and timers); those tagged [serial] run alone (tests/CMakeLists.txt).
# Both stages always run, so one failure never hides the other's results;
# the exit status fails if either failed.
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
((asan)) && echo "test.sh: the ASan stage FAILED (see above); the default stage runs anyway"
SLUICE_WERROR=1 scripts/build.sh default || exit 1
ctest --preset default -j"$jobs" "$@" || exit 1
((asan)) && exit 1
exit 0
