#!/usr/bin/env bash
# `get` over h2/TLS: 1 GiB to /dev/null, sluice vs `curl --http2`, against
# sluice serve --tls (h2 by ALPN) and nghttpd, server on core 0, client on
# core 1, median of RUNS runs (the clients take turns). Wall time and the
# client's CPU (user+sys), and the server's CPU during the median run: the
# server is the bottleneck here (its CPU is about the wall time), so a client
# can only be faster by costing the server less per byte.
# Output: results/get_h2_throughput.json
source "$(dirname "$0")/lib.sh"
need nghttpd
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-7}
tmp=$(mktemp -d); chmod 755 "$tmp"
truncate -s "$SIZE" "$tmp/big.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
port=$(free_port); nport=$(free_port)
start_bg taskset -c 0 "$SLUICE" serve -q --tls --cert "$tmp/cert.pem" --key "$tmp/key.pem" --listen 127.0.0.1:$port
serve_pid=$LAST_PID
start_bg taskset -c 0 nghttpd -d "$tmp" "$nport" "$tmp/key.pem" "$tmp/cert.pem"
nghttpd_pid=$LAST_PID
wait_port $port; wait_port $nport
urls=("https://127.0.0.1:$port/bytes/$SIZE" "https://127.0.0.1:$nport/big.bin")
names=(sluice-serve nghttpd)
server_pids=("$serve_pid" "$nghttpd_pid")
for url in "${urls[@]}"; do
  v=$("$SLUICE" get -sSk -o /dev/null -w '%{http_version} %{size_download}' "$url")
  [[ $v == "2 $SIZE" ]] || { echo "$url: got '$v', want '2 $SIZE'" >&2; exit 1; }
done
# Runs alternate between the clients (on core 1) so that drift in the
# machine's load hits both alike; each client's median run by wall time counts.
# The third client is sluice with curl's stream window (32 MiB, where sluice's
# window is --max-buffer, 1 MiB by default): a saturated server pays for every
# WINDOW_UPDATE, and this row separates that cost from the client's own speed.
compare() {
  : > "$tmp/sluice.runs"; : > "$tmp/curl.runs"; : > "$tmp/sluice32.runs"
  for _ in $(seq "$RUNS"); do
    timed "$tmp/sluice.runs" taskset -c 1 "$SLUICE" get -sk -o /dev/null "$1"
    timed "$tmp/curl.runs" taskset -c 1 curl --http2 -sk -o /dev/null "$1"
    timed "$tmp/sluice32.runs" taskset -c 1 "$SLUICE" get -sk --max-buffer 32M -o /dev/null "$1"
  done
}
json="{\"size\":$SIZE,\"runs\":$RUNS"
for i in 0 1; do
  TIMED_SERVER_PID=${server_pids[$i]} compare "${urls[$i]}"
  read -r sw scpu ssrv < <(median_run "$tmp/sluice.runs")
  read -r cw ccpu csrv < <(median_run "$tmp/curl.runs")
  read -r bw bcpu bsrv < <(median_run "$tmp/sluice32.runs")
  printf '%-12s h2: sluice %5.0f MiB/s cpu %5.2fs | curl --http2 %5.0f MiB/s cpu %5.2fs | speed x%s, cpu x%s\n' \
    "${names[$i]}" "$(calc "$SIZE/$sw/1048576")" "$scpu" "$(calc "$SIZE/$cw/1048576")" "$ccpu" \
    "$(ratio "$cw" "$sw")" "$(ratio "$scpu" "$ccpu")"
  printf '%-12s    server CPU in the median run: %5.2fs for sluice, %5.2fs for curl, %5.2fs for sluice 32M\n' \
    "" "$ssrv" "$csrv" "$bsrv"
  printf '%-12s    sluice --max-buffer 32M (curl'"'"'s window) %5.0f MiB/s cpu %5.2fs | speed x%s, cpu x%s\n' \
    "" "$(calc "$SIZE/$bw/1048576")" "$bcpu" "$(ratio "$cw" "$bw")" "$(ratio "$bcpu" "$ccpu")"
  json+=",\"${names[$i]}\":{\"sluice_s\":$sw,\"curl_s\":$cw,\"sluice_cpu_s\":$scpu,\"curl_cpu_s\":$ccpu,"
  json+="\"server_cpu_s_sluice\":$ssrv,\"server_cpu_s_curl\":$csrv,\"server_cpu_s_sluice_32m\":$bsrv,\"speedup\":$(ratio "$cw" "$sw"),\"cpu_ratio\":$(ratio "$scpu" "$ccpu")"
  json+=",\"sluice_32m_s\":$bw,\"sluice_32m_cpu_s\":$bcpu,\"speedup_32m\":$(ratio "$cw" "$bw"),\"cpu_ratio_32m\":$(ratio "$bcpu" "$ccpu")}"
done
echo "$json}" > "$RESULTS/get_h2_throughput.json"
echo "wrote $RESULTS/get_h2_throughput.json"
