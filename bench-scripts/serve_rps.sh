#!/usr/bin/env bash
# `serve` requests/s for a small response: wrk -t1 -c64 on core 1 against
# sluice serve (one thread) and nginx (one worker) on core 0.
# Output: results/serve_rps.json
source "$(dirname "$0")/lib.sh"
need wrk
DURATION=${DURATION:-10s}
if ! command -v nginx >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi
port=$(free_port); nport=$(free_port)
tmp=$(mktemp -d)
head -c 100 /dev/zero | tr '\0' x > "$tmp/small"
cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nport;
    location = /bytes/100 { alias $tmp/small; default_type application/octet-stream; }
  }
}
CONF
start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$port
start_bg taskset -c 0 nginx -c "$tmp/nginx.conf" -p "$tmp"
wait_port $port; wait_port $nport
rps() { taskset -c 1 wrk -t1 -c64 -d"$DURATION" "$1" | awk '/Requests\/sec/ {print $2}'; }
taskset -c 1 wrk -t1 -c64 -d2s "http://127.0.0.1:$port/bytes/100" >/dev/null   # warm-up
s=$(rps "http://127.0.0.1:$port/bytes/100")
n=$(rps "http://127.0.0.1:$nport/bytes/100")
printf 'sluice serve %8.0f req/s   nginx %8.0f req/s   ratio %s\n' "$s" "$n" "$(ratio "$s" "$n")"
echo "{\"duration\":\"$DURATION\",\"sluice_rps\":$s,\"nginx_rps\":$n,\"ratio\":$(ratio "$s" "$n")}" > "$RESULTS/serve_rps.json"
echo "wrote $RESULTS/serve_rps.json"
