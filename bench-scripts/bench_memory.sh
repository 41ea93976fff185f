#!/usr/bin/env bash
# Memory: peak RSS of a 1-minute run equals that of a 10-second run (no
# per-request samples are kept). Output: results/bench_memory.json
source "$(dirname "$0")/lib.sh"
SHORT=${SHORT:-10}; LONG=${LONG:-60}
port=$(free_port)
start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$port
wait_port $port
tmp=$(mktemp -d)
peak() { /usr/bin/time -f %M -o "$tmp/m" taskset -c 1 "$SLUICE" bench -t 1 -c 32 -d "$1s" "http://127.0.0.1:$port/bytes/100" >/dev/null; cat "$tmp/m"; }
short=$(peak "$SHORT"); long=$(peak "$LONG")
printf 'peak RSS: %ds run %d KiB, %ds run %d KiB (ratio %s)\n' "$SHORT" "$short" "$LONG" "$long" "$(ratio "$long" "$short")"
echo "{\"short_s\":$SHORT,\"short_kib\":$short,\"long_s\":$LONG,\"long_kib\":$long,\"ratio\":$(ratio "$long" "$short")}" > "$RESULTS/bench_memory.json"
echo "wrote $RESULTS/bench_memory.json"
