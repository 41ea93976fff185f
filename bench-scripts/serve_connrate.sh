#!/usr/bin/env bash
# `serve` connection rate with and without TCP_DEFER_ACCEPT: short connections
# (wrk with Connection: close), one server thread on core 0, wrk on core 1.
# Output: results/serve_connrate.json
source "$(dirname "$0")/lib.sh"
need wrk
DURATION=${DURATION:-10s}
run() {
  local port; port=$(free_port)
  start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$port "$@"
  local pid=$LAST_PID
  wait_port $port
  taskset -c 1 wrk -t1 -c32 -d"$DURATION" -H 'Connection: close' "http://127.0.0.1:$port/bytes/100" | awk '/Requests\/sec/ {print $2}'
  kill $pid; wait $pid 2>/dev/null || true
}
with=$(run)
without=$(run --no-defer-accept)
printf 'connections/s: TCP_DEFER_ACCEPT %8.0f   without %8.0f   ratio %s\n' "$with" "$without" "$(ratio "$with" "$without")"
echo "{\"duration\":\"$DURATION\",\"defer_accept_cps\":$with,\"no_defer_accept_cps\":$without,\"ratio\":$(ratio "$with" "$without")}" > "$RESULTS/serve_connrate.json"
echo "wrote $RESULTS/serve_connrate.json"
