#!/usr/bin/env bash
# QUIC handshakes per second that `sluice serve --tls --http3` completes, with
# and without Retry (--quic-retry), against ngtcp2's gtlsserver with and
# without its address validation (-V): issue 16's handshake figure. Each
# server alone on core 0 (one thread); the load is `sluice bench --http3-only
# --no-keepalive -c 16` on core 1, a new QUIC connection for every request of
# a 100-byte response. Reported per server: handshakes (connections) per
# second, and server CPU per handshake. Median of ROUNDS runs, servers taking
# turns round by round.
# Output: results/serve_h3_handshakes.json
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/h3_lib.sh"
need openssl python3
DURATION=${DURATION:-8}  # seconds per run
ROUNDS=${ROUNDS:-3}
tmp=$(mktemp -d); chmod 755 "$tmp"
mkdir -p "$tmp/bytes"
head -c 100 /dev/zero | tr '\0' x > "$tmp/bytes/100"
h3_cert "$tmp"

# run_once URL PID: "<handshakes/s> <server CPU us per handshake> <errors>"
run_once() {
  local t0 t1
  t0=$(cpu_ticks "$2")
  taskset -c 1 "$SLUICE" bench -k -t 1 --http3-only --no-keepalive -c 16 -d "${DURATION}s" \
    --json "$tmp/run.json" "$1" >/dev/null 2>"$tmp/bench.err" || { cat "$tmp/bench.err" >&2; return 1; }
  t1=$(cpu_ticks "$2")
  python3 - "$tmp/run.json" $((t1 - t0)) "$(getconf CLK_TCK)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d['counters']
secs = d['wall_us'] / 1e6
n = c['connections']
cpu = int(sys.argv[2]) / int(sys.argv[3])
print(round(n / secs), round(cpu / max(n, 1) * 1e6, 1), sum(c['errors'].values()))
PY
}

declare -A PORT PID RUNS_HPS RUNS_CPU ERRS
servers=(sluice sluice-retry gtlsserver gtlsserver-V)
for s in "${servers[@]}"; do
  PORT[$s]=$(free_port)
  case $s in
    sluice) start_h3_server sluice "${PORT[$s]}" "$tmp" ;;
    sluice-retry) start_h3_server sluice "${PORT[$s]}" "$tmp" --quic-retry ;;
    gtlsserver) start_h3_server gtlsserver "${PORT[$s]}" "$tmp" ;;
    gtlsserver-V)
      start_bg taskset -c 0 gtlsserver -q -V -d "$tmp" 127.0.0.1 "${PORT[$s]}" "$tmp/key.pem" \
        "$tmp/cert.pem" >/dev/null 2>&1
      wait_udp "${PORT[$s]}" ;;
  esac
  PID[$s]=$LAST_PID
  ERRS[$s]=0
done
for _ in $(seq "$ROUNDS"); do
  for s in "${servers[@]}"; do
    read -r h c e < <(run_once "https://127.0.0.1:${PORT[$s]}/bytes/100" "${PID[$s]}")
    RUNS_HPS[$s]+="$h " RUNS_CPU[$s]+="$c " ERRS[$s]=$((ERRS[$s] + e))
  done
done
json="{\"duration_s\":$DURATION,\"rounds\":$ROUNDS,\"load\":\"sluice bench --http3-only --no-keepalive -t1 -c16\",\"servers\":{"
declare -A HPS CPU
for s in "${servers[@]}"; do
  kill "${PID[$s]}"; wait "${PID[$s]}" 2>/dev/null || true
  HPS[$s]=$(tr ' ' '\n' <<<"${RUNS_HPS[$s]}" | grep . | median)
  CPU[$s]=$(tr ' ' '\n' <<<"${RUNS_CPU[$s]}" | grep . | median)
  printf '%-13s %7.0f handshakes/s  %7.1f us server CPU per handshake  (errors %s; runs: %s)\n' \
    "$s" "${HPS[$s]}" "${CPU[$s]}" "${ERRS[$s]}" "${RUNS_HPS[$s]}"
  json+="\"$s\":{\"handshakes_per_s\":${HPS[$s]},\"server_cpu_us_per_handshake\":${CPU[$s]},\"errors\":${ERRS[$s]}},"
done
json="${json%,}},\"ratios\":{"
json+="\"no_retry\":{\"rate\":$(ratio "${HPS[sluice]}" "${HPS[gtlsserver]}"),\"server_cpu\":$(ratio "${CPU[sluice]}" "${CPU[gtlsserver]}")},"
json+="\"retry\":{\"rate\":$(ratio "${HPS[sluice-retry]}" "${HPS[gtlsserver-V]}"),\"server_cpu\":$(ratio "${CPU[sluice-retry]}" "${CPU[gtlsserver-V]}")}}}"
printf 'sluice vs gtlsserver: without Retry x%s handshakes/s (server CPU x%s); with Retry x%s (x%s)\n' \
  "$(ratio "${HPS[sluice]}" "${HPS[gtlsserver]}")" "$(ratio "${CPU[sluice]}" "${CPU[gtlsserver]}")" \
  "$(ratio "${HPS[sluice-retry]}" "${HPS[gtlsserver-V]}")" "$(ratio "${CPU[sluice-retry]}" "${CPU[gtlsserver-V]}")"
echo "$json" > "$RESULTS/serve_h3_handshakes.json"
