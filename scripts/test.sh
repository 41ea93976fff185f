#!/usr/bin/env bash
# Installs everything (tests' peers included), builds with warnings as errors,
# and runs every test through CTest. `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
SLUICE_WERROR=1 scripts/build.sh default
ctest --preset default --output-on-failure -j1 "$@"
