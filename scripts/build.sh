#!/usr/bin/env bash
# Configures and builds sluice with a CMake preset (default: "default").
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}
werror=OFF
[[ -n "${CI:-}" || -n "${SLUICE_WERROR:-}" ]] && werror=ON
cmake --preset "$preset" -DSLUICE_WERROR=$werror >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
