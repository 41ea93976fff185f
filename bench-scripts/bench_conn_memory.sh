#!/usr/bin/env bash
# Memory per connection: peak RSS of the load generator at -c 1000 and -c 5000
# (3 s each, two threads) against sluice serve on core 0, generator on core 1:
#   h1:  sluice bench vs wrk -t2 and h2load --h1
#   h2c: sluice bench --http2-prior-knowledge -m 10 vs h2load -m 10
# Output: results/bench_conn_memory.json
source "$(dirname "$0")/lib.sh"
need wrk h2load
DURATION=${DURATION:-3}
port=$(free_port)
start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$port
wait_port "$port"
url=http://127.0.0.1:$port/bytes/100
tmp=$(mktemp -d)
peak() { /usr/bin/time -f %M -o "$tmp/m" taskset -c 1 "$@" >/dev/null 2>&1; cat "$tmp/m"; }
json="{"
for c in 1000 5000; do
  s1=$(peak "$SLUICE" bench -t 2 -c "$c" -d "${DURATION}s" "$url")
  w=$(peak wrk -t2 -c"$c" -d"${DURATION}s" "$url")
  h1=$(peak h2load --h1 -t2 -c"$c" -D "$DURATION" "$url")
  s2=$(peak "$SLUICE" bench --http2-prior-knowledge -m 10 -t 2 -c "$c" -d "${DURATION}s" "$url")
  h2=$(peak h2load -t2 -c"$c" -m10 -D "$DURATION" "$url")
  printf -- '-c %5d  h1: sluice %7d KiB, wrk %7d KiB (%sx), h2load --h1 %7d KiB (%sx) | h2c: sluice %7d KiB, h2load %7d KiB (%sx)\n' \
    "$c" "$s1" "$w" "$(ratio "$s1" "$w")" "$h1" "$(ratio "$s1" "$h1")" "$s2" "$h2" "$(ratio "$s2" "$h2")"
  json+="\"c$c\":{\"h1\":{\"sluice_kib\":$s1,\"wrk_kib\":$w,\"h2load_kib\":$h1,\"vs_wrk\":$(ratio "$s1" "$w"),\"vs_h2load\":$(ratio "$s1" "$h1")},"
  json+="\"h2c\":{\"sluice_kib\":$s2,\"h2load_kib\":$h2,\"vs_h2load\":$(ratio "$s2" "$h2")}},"
done
echo "${json%,}}" > "$RESULTS/bench_conn_memory.json"
echo "wrote $RESULTS/bench_conn_memory.json"
