#!/usr/bin/env bash
# Runs one libFuzzer binary for a bounded time on a scratch copy of its seed
# corpus: tests/fuzz/run_bounded.sh BINARY CORPUS WORKDIR SECONDS
# libFuzzer first replays the whole corpus, then mutates it. New inputs and
# findings (crashes, leaks, timeouts, out-of-memory) go to WORKDIR, never into
# the repository. Exits 0 when nothing was found, 1 otherwise, naming the
# findings and how to keep one as a regression input.
# Used by scripts/fuzz.sh (one target, as long as asked) and by the fuzz
# preset's CTest tests fuzz-run:TARGET (every target, briefly: scripts/test.sh).
set -uo pipefail

bin=${1:?usage: run_bounded.sh BINARY CORPUS WORKDIR SECONDS}
corpus=${2:?corpus directory}
work=${3:?work directory}
seconds=${4:?seconds}
[[ -x $bin ]] || { echo "run_bounded.sh: no fuzz binary $bin" >&2; exit 2; }
[[ -d $corpus ]] || { echo "run_bounded.sh: no corpus $corpus" >&2; exit 2; }
name=$(basename "$bin")

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$corpus"/* "$work/corpus/"
# Stack traces with names and lines need an llvm-symbolizer (any version).
symbolizer=$(command -v llvm-symbolizer-19 llvm-symbolizer 2>/dev/null | head -1 || true)
[[ -n $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$symbolizer}

echo "$name: ${seconds}s on a copy of $corpus (in $work)"
# -timeout: one input that takes 10 s is a finding (a hang); -rss_limit_mb:
# so is one that needs 2 GiB. Both are far above what any parser needs.
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
status=$?
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$work/log"
new=$(($(ls "$work/corpus" | wc -l) - $(ls "$corpus" | wc -l)))
echo "$name: the corpus grew by $new inputs (not kept)"

found=$(find "$work/artifacts" -type f | sort)
if ((status == 0)) && [[ -z $found ]]; then
  echo "$name: nothing found"
  exit 0
fi
# The sanitizer's or libFuzzer's report, then what was found.
grep -v -E '^#[0-9]+ +(NEW|REDUCE|pulse|INITED|RELOAD)' "$work/log" | tail -60
echo "$name: FOUND something (libFuzzer exit $status):"
echo "$found" | sed 's/^/  /'
cat <<HOW
To keep one as a regression input: minimise it, then check it in so that
CTest replays it on every build (fuzz-replay:TARGET), and fix what it shows:
  $bin -minimize_crash=1 -runs=10000 -exact_artifact_path=$corpus/NAME FINDING
HOW
exit 1
