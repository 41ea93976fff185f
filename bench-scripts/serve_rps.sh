#!/usr/bin/env bash
# `serve` requests/s for a small response: wrk -t1 -c64 on core 1 against
# sluice serve (one thread) and nginx (one worker, nginx_lib.sh) on core 0.
# Output: results/serve_rps.json
source "$(dirname "$0")/lib.sh"
need wrk
DURATION=${DURATION:-10s}
source "$(dirname "$0")/nginx_lib.sh"
nginx_start_default
port=$(free_port)
start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$port
wait_port $port
# Both must answer 200 with the same 100 bytes, or the comparison means nothing.
for url in "http://127.0.0.1:$port/bytes/100" "$NGINX_HTTP/bytes/100"; do
  got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$url")
  [[ $got == "200 100" ]] || { echo "$url answered '$got', not '200 100'" >&2; exit 1; }
done
rps() { taskset -c 1 wrk -t1 -c64 -d"$DURATION" "$1" | awk '/Requests\/sec/ {print $2}'; }
taskset -c 1 wrk -t1 -c64 -d2s "http://127.0.0.1:$port/bytes/100" >/dev/null   # warm-up
s=$(rps "http://127.0.0.1:$port/bytes/100")
n=$(rps "$NGINX_HTTP/bytes/100")
printf 'sluice serve %8.0f req/s   nginx %8.0f req/s   ratio %s\n' "$s" "$n" "$(ratio "$s" "$n")"
echo "{\"duration\":\"$DURATION\",\"sluice_rps\":$s,\"nginx_rps\":$n,\"ratio\":$(ratio "$s" "$n")}" > "$RESULTS/serve_rps.json"
echo "wrote $RESULTS/serve_rps.json"
