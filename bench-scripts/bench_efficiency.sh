#!/usr/bin/env bash
# Generator efficiency: CPU per request (user+sys of the generator process) and
# requests/s, generator on core 1 with one thread, nginx (one worker) on core 0.
#   h1: sluice bench -c 64 vs wrk -t1 -c64
#   h2 over TLS, -m10: sluice bench --http2 vs h2load -t1 -c64 -m10
# Output: results/bench_efficiency.json
source "$(dirname "$0")/lib.sh"
need wrk h2load
DURATION=${DURATION:-10}
source "$(dirname "$0")/nginx_lib.sh"
nginx_start_default
tmp=$(mktemp -d)
cpu() { awk '{printf "%.3f", $1 + $2}' "$tmp/t"; }

/usr/bin/time -f '%U %S' -o "$tmp/t" taskset -c 1 "$SLUICE" bench -t 1 -c 64 -d ${DURATION}s --json "$tmp/s1.json" "$NGINX_HTTP/bytes/100" >/dev/null
s1_cpu=$(cpu); s1_n=$(python3 -c "import json;print(json.load(open('$tmp/s1.json'))['counters']['requests'])")
/usr/bin/time -f '%U %S' -o "$tmp/t" taskset -c 1 wrk -t1 -c64 -d${DURATION}s "$NGINX_HTTP/bytes/100" > "$tmp/wrk.txt"
w_cpu=$(cpu); w_n=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")

/usr/bin/time -f '%U %S' -o "$tmp/t" taskset -c 1 "$SLUICE" bench -k --http2 -t 1 -c 64 -m 10 -d ${DURATION}s --json "$tmp/s2.json" "$NGINX_HTTPS/bytes/100" >/dev/null
s2_cpu=$(cpu); s2_n=$(python3 -c "import json;print(json.load(open('$tmp/s2.json'))['counters']['requests'])")
/usr/bin/time -f '%U %S' -o "$tmp/t" taskset -c 1 h2load -t1 -c64 -m10 -D ${DURATION} "$NGINX_HTTPS/bytes/100" > "$tmp/h2load.txt"
h_cpu=$(cpu); h_n=$(awk '/^requests:/ {print $8}' "$tmp/h2load.txt")

per() { calc "$1 * 1000000 / $2" 3; }
s1_per=$(per "$s1_cpu" "$s1_n"); w_per=$(per "$w_cpu" "$w_n")
s2_per=$(per "$s2_cpu" "$s2_n"); h_per=$(per "$h_cpu" "$h_n")
printf 'h1: sluice %8d req (%6.2f us CPU/req) | wrk    %8d req (%6.2f us CPU/req) | CPU ratio %s\n' "$s1_n" "$s1_per" "$w_n" "$w_per" "$(ratio "$s1_per" "$w_per")"
printf 'h2: sluice %8d req (%6.2f us CPU/req) | h2load %8d req (%6.2f us CPU/req) | CPU ratio %s\n' "$s2_n" "$s2_per" "$h_n" "$h_per" "$(ratio "$s2_per" "$h_per")"
cat > "$RESULTS/bench_efficiency.json" <<JSON
{"duration_s":$DURATION,
 "h1":{"sluice_requests":$s1_n,"sluice_cpu_s":$s1_cpu,"sluice_us_per_req":$s1_per,"wrk_requests":$w_n,"wrk_cpu_s":$w_cpu,"wrk_us_per_req":$w_per,"cpu_ratio":$(ratio "$s1_per" "$w_per")},
 "h2":{"sluice_requests":$s2_n,"sluice_cpu_s":$s2_cpu,"sluice_us_per_req":$s2_per,"h2load_requests":$h_n,"h2load_cpu_s":$h_cpu,"h2load_us_per_req":$h_per,"cpu_ratio":$(ratio "$s2_per" "$h_per")}}
JSON
echo "wrote $RESULTS/bench_efficiency.json"
