#!/usr/bin/env bash
# Regenerates man/sluice.1 and completions/ from the option tables.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/default/sluice}
"$bin" --generate man > man/sluice.1
"$bin" --generate bash > completions/sluice.bash
"$bin" --generate zsh > completions/_sluice
"$bin" --generate fish > completions/sluice.fish
echo "man/ and completions/ regenerated"
