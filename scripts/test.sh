#!/usr/bin/env bash
# Installs everything (tests' peers included), builds with warnings as errors,
# and runs every test through CTest: first the default (RelWithDebInfo) build,
# then the same tests under ASan+UBSan (minus the two peak-RSS properties,
# which the sanitizer's own memory use would swamp). `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
SLUICE_WERROR=1 scripts/build.sh asan
ctest --preset asan -j1 -E "peak RSS|memory stays bounded" "$@"
SLUICE_WERROR=1 scripts/build.sh default
ctest --preset default -j1 "$@"
