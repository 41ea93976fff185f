#!/usr/bin/env bash
# `get` over HTTP/3: SIZE bytes (1 GiB) to /dev/null, sluice get --http3-only
# vs libcurl's HTTP/3 (bookworm-backports' libcurl3-gnutls 8.14: ngtcp2,
# nghttp3 and GnuTLS, the same stack) and ngtcp2's own gtlsclient, against
# ngtcp2's gtlsserver on core 0, clients on core 1, taking turns; median of
# RUNS runs by wall time, with the client's CPU (user+sys) and the server's
# CPU during that run. The server is the bottleneck (its CPU is about the wall
# time), so CPU per byte is the clients' real difference. Then one more run of
# each under strace -c: system calls per MiB received.
# Output: results/get_h3_throughput.json
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/h3_lib.sh"
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-5}
tmp=$(mktemp -d); chmod 755 "$tmp"
truncate -s "$SIZE" "$tmp/big.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
port=$(free_port)
start_gtlsserver "$tmp" "$port" "$tmp/key.pem" "$tmp/cert.pem" 0
server_pid=$LAST_PID
url="https://127.0.0.1:$port/big.bin"
v=$("$SLUICE" get -sk --http3-only -o /dev/null -w '%{http_version} %{size_download}' "$url")
[[ $v == "3 $SIZE" ]] || { echo "sluice: got '$v', want '3 $SIZE'" >&2; exit 1; }
[[ $("$CURL_H3" "$url" | wc -c) == "$SIZE" ]] || { echo "libcurl h3: short body" >&2; exit 1; }
: > "$tmp/sluice.runs"; : > "$tmp/curl.runs"; : > "$tmp/gtls.runs"
# gtlsclient reports the server's close on stderr: keep that out of the run.
gtls=(sh -c 'exec gtlsclient -q --exit-on-all-streams-close 127.0.0.1 "$0" "$1" 2>/dev/null' "$port" "$url")
for _ in $(seq "$RUNS"); do
  TIMED_SERVER_PID=$server_pid timed "$tmp/sluice.runs" taskset -c 1 "$SLUICE" get -sk --http3-only -o /dev/null "$url"
  TIMED_SERVER_PID=$server_pid timed "$tmp/curl.runs" taskset -c 1 "$CURL_H3" "$url"
  TIMED_SERVER_PID=$server_pid timed "$tmp/gtls.runs" taskset -c 1 "${gtls[@]}"
done
read -r sw scpu ssrv < <(median_run "$tmp/sluice.runs")
read -r cw ccpu csrv < <(median_run "$tmp/curl.runs")
read -r gw gcpu gsrv < <(median_run "$tmp/gtls.runs")
mib() { calc "$SIZE/$1/1048576"; }
# syscalls CMD...: system calls per MiB received, from strace -c's total line
syscalls() {
  strace -c -f -o "$tmp/strace" "$@" >/dev/null 2>&1
  awk -v mib="$(calc "$SIZE/1048576")" '$NF == "total" {printf "%.1f", $4 / mib}' \
    "$tmp/strace"
}
command -v strace >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >/dev/null
s_sys=$(syscalls "$SLUICE" get -sk --http3-only -o /dev/null "$url")
c_sys=$(syscalls "$CURL_H3" "$url")
g_sys=$(syscalls "${gtls[@]}")
printf 'h3 1 GiB: sluice %5.0f MiB/s cpu %5.2fs | libcurl h3 %5.0f MiB/s cpu %5.2fs | speed x%s, cpu x%s\n' \
  "$(mib "$sw")" "$scpu" "$(mib "$cw")" "$ccpu" "$(ratio "$cw" "$sw")" "$(ratio "$scpu" "$ccpu")"
printf '          gtlsclient %5.0f MiB/s cpu %5.2fs | sluice vs gtlsclient: speed x%s, cpu x%s\n' \
  "$(mib "$gw")" "$gcpu" "$(ratio "$gw" "$sw")" "$(ratio "$scpu" "$gcpu")"
printf '          gtlsserver CPU in the median run: %5.2fs for sluice, %5.2fs for libcurl, %5.2fs for gtlsclient\n' \
  "$ssrv" "$csrv" "$gsrv"
printf '          system calls per MiB: sluice %s, libcurl %s, gtlsclient %s\n' "$s_sys" "$c_sys" "$g_sys"
json="{\"size\":$SIZE,\"runs\":$RUNS,\"sluice_s\":$sw,\"curl_s\":$cw,\"gtlsclient_s\":$gw,"
json+="\"sluice_cpu_s\":$scpu,\"curl_cpu_s\":$ccpu,\"gtlsclient_cpu_s\":$gcpu,"
json+="\"server_cpu_s_sluice\":$ssrv,\"server_cpu_s_curl\":$csrv,\"server_cpu_s_gtlsclient\":$gsrv,"
json+="\"syscalls_per_mib\":{\"sluice\":$s_sys,\"curl\":$c_sys,\"gtlsclient\":$g_sys},"
json+="\"speedup\":$(ratio "$cw" "$sw"),\"cpu_ratio\":$(ratio "$scpu" "$ccpu")}"
echo "$json" > "$RESULTS/get_h3_throughput.json"
echo "wrote $RESULTS/get_h3_throughput.json"
