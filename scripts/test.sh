#!/usr/bin/env bash
# Installs everything (tests' peers included), builds with warnings as errors,
# and runs every test through CTest in two stages: under ASan+UBSan (minus the
# peak-RSS properties, which the sanitizer's own memory use would swamp), then
# the default (RelWithDebInfo) build. Both stages always run, so one failure
# never hides the other's results; the exit status fails if either failed.
# `.ci/run` runs exactly this; its output ends with the default stage's CTest
# summary.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test || exit 1
asan=0
if SLUICE_WERROR=1 scripts/build.sh asan; then
  ctest --preset asan -j1 -E "peak RSS|memory stays bounded" "$@" || asan=1
else
  asan=1
fi
((asan)) && echo "test.sh: the ASan stage FAILED (see above); the default stage runs anyway"
SLUICE_WERROR=1 scripts/build.sh default || exit 1
ctest --preset default -j1 "$@" || exit 1
((asan)) && exit 1
exit 0
