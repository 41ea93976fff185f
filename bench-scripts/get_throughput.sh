#!/usr/bin/env bash
# `get` throughput: 1 GiB to /dev/null over loopback, plain and TLS, sluice vs
# curl against the same servers (nginx with sendfile, and sluice serve), the
# client pinned to core 1 and the server to core 0. Median of RUNS runs (the
# clients take turns); wall time and the client's CPU time (user+sys), which is
# what the client controls.
# Output: results/get_throughput.json
source "$(dirname "$0")/lib.sh"
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-7}
source "$(dirname "$0")/nginx_lib.sh"
tmp=$(mktemp -d)
truncate -s "$SIZE" "$NGINX_DIR/www/big.bin"; chmod 644 "$NGINX_DIR/www/big.bin"  # nginx workers read it
nport=$(free_port); ntport=$(free_port); port=$(free_port); tport=$(free_port)
# nginx: HTTP/1.1 (no http2 on its TLS server), the body sent with sendfile.
nginx_conf 64 "  access_log off; sendfile on;
  server { listen 127.0.0.1:$nport; root $NGINX_DIR/www; }
  server { listen 127.0.0.1:$ntport ssl; root $NGINX_DIR/www; $NGINX_TLS }"
nginx_start  # its ports are waited for below, with sluice's
start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$port
start_bg taskset -c 0 "$SLUICE" serve -q --tls --cert "$NGINX_DIR/cert.pem" --key "$NGINX_DIR/key.pem" --listen 127.0.0.1:$tport
for p in $nport $ntport $port $tport; do wait_port $p; done

# Every URL must deliver the whole body before anything is timed.
for url in http://127.0.0.1:$nport/big.bin https://127.0.0.1:$ntport/big.bin \
           http://127.0.0.1:$port/bytes/$SIZE https://127.0.0.1:$tport/bytes/$SIZE; do
  got=$("$SLUICE" get --http1.1 -sSk -o /dev/null -w '%{http_version} %{size_download}' "$url")
  [[ $got == "1.1 $SIZE" ]] || { echo "$url delivered '$got', not '1.1 $SIZE'" >&2; exit 1; }
done

# Runs alternate between the clients (on core 1) so that drift in the
# machine's load hits both alike; each client's median run by wall time counts.
# Both clients are held to HTTP/1.1: sluice serve offers h2 by ALPN, which
# both would otherwise pick (h2 is get_h2_throughput.sh's job).
compare() {
  : > "$tmp/sluice.runs"; : > "$tmp/curl.runs"
  for _ in $(seq "$RUNS"); do
    timed "$tmp/sluice.runs" taskset -c 1 "$SLUICE" get --http1.1 -sk -o /dev/null "$1"
    timed "$tmp/curl.runs" taskset -c 1 curl --http1.1 -sk -o /dev/null "$1"
  done
}

json="{\"size\":$SIZE,\"runs\":$RUNS"
for server in nginx sluice; do
  for proto in http https; do
    case $server/$proto in
      nginx/http) url=http://127.0.0.1:$nport/big.bin ;;
      nginx/https) url=https://127.0.0.1:$ntport/big.bin ;;
      sluice/http) url=http://127.0.0.1:$port/bytes/$SIZE ;;
      sluice/https) url=https://127.0.0.1:$tport/bytes/$SIZE ;;
    esac
    compare "$url"
    read -r sw scpu < <(median_run "$tmp/sluice.runs")
    read -r cw ccpu < <(median_run "$tmp/curl.runs")
    sm=$(calc "$SIZE / $sw / 1048576"); cm=$(calc "$SIZE / $cw / 1048576")
    printf '%-6s %-5s sluice %5.0f MiB/s cpu %5.2fs | curl %5.0f MiB/s cpu %5.2fs | speed x%s, cpu x%s\n' \
      $server $proto "$sm" "$scpu" "$cm" "$ccpu" "$(ratio "$cw" "$sw")" "$(ratio "$scpu" "$ccpu")"
    json+=",\"${server}_${proto}\":{\"sluice_s\":$sw,\"curl_s\":$cw,\"sluice_cpu_s\":$scpu,\"curl_cpu_s\":$ccpu,\"speedup\":$(ratio "$cw" "$sw"),\"cpu_ratio\":$(ratio "$scpu" "$ccpu")}"
  done
done
echo "$json}" > "$RESULTS/get_throughput.json"
echo "wrote $RESULTS/get_throughput.json"
