#!/usr/bin/env bash
# Overload honesty: sluice bench --rate far above what nginx (one worker,
# core 0, every request logged with its time) can serve, generator on core 1.
# The report's rate (requests / measured window) against nginx's own count
# over its own first-to-last window, and the run's wall time against -d+grace.
# Output: results/bench_overload.json
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-1000000}
DURATION=${DURATION:-5}
source "$(dirname "$0")/nginx_lib.sh"
nginx_start_logged
tmp=$(mktemp -d)
t0=$EPOCHREALTIME
taskset -c 1 "$SLUICE" bench -t 1 -c 64 --rate "$RATE" -d "${DURATION}s" --json "$tmp/o.json" \
  "$NGINX_HTTP/bytes/100" | tee "$tmp/report.txt"
t1=$EPOCHREALTIME
sleep 0.5  # nginx writes its log lines as each request ends
python3 - "$tmp/o.json" "$NGINX_ACCESS_LOG_FILE" "$RATE" "$DURATION" "$(calc "$t1 - $t0")" \
  "$RESULTS/bench_overload.json" <<'PY'
import json, sys
res = json.load(open(sys.argv[1])); rate = float(sys.argv[3]); dur = float(sys.argv[4])
wall = float(sys.argv[5])
ts = sorted(float(l) for l in open(sys.argv[2]) if l.strip())
server_n = len(ts); server_window = ts[-1] - ts[0]
server_rate = server_n / server_window
k = res["counters"]; reported = res["rates"]["requests_per_s"]
out = {"requested_rate": rate, "duration_s": dur, "wall_s": round(wall, 3),
       "reported_requests": k["requests"], "server_requests": server_n,
       "reported_window_s": res["window_us"] / 1e6, "server_window_s": round(server_window, 4),
       "reported_rate": round(reported, 1), "server_rate": round(server_rate, 1),
       "rate_ratio": round(reported / server_rate, 4),
       "unsent": k["unsent"], "in_flight_at_stop": k["in_flight_at_stop"],
       "send_lag_p99_us": res["summary"]["send_lag"]["p99_us"]}
json.dump(out, open(sys.argv[6], "w"))
print(f"requested {rate:.0f}/s for {dur:.0f} s: the report says {reported:.1f}/s "
      f"({k['requests']} in {res['window_us']/1e6:.3f} s), nginx counted {server_rate:.1f}/s "
      f"({server_n} in {server_window:.3f} s): ratio {reported/server_rate:.4f}; "
      f"wall {wall:.2f} s for -d {dur:.0f} s; {k['unsent']} due but never sent")
PY
echo "wrote $RESULTS/bench_overload.json"
