# HTTP/3 peers for the benchmarks (sourced after lib.sh): libcurl's HTTP/3
# (bench-scripts/peers/curl_h3_get.c, built against bookworm-backports'
# libcurl3-gnutls 8.14, which this installs: Debian 12's 7.88 has no HTTP/3)
# and ngtcp2's example server, gtlsserver.
need gtlsserver gcc
if ! dpkg-query -W -f '${Version}' libcurl3-gnutls 2>/dev/null | grep -q '^8\.'; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports \
    libcurl3-gnutls libcurl4-gnutls-dev >/dev/null
fi
CURL_H3=$(mktemp -d)/curl_h3_get
gcc -O2 -o "$CURL_H3" "$ROOT/bench-scripts/peers/curl_h3_get.c" -lcurl-gnutls
# wait_udp PORT: until a UDP socket is bound to 127.0.0.1:PORT
wait_udp() {
  local hex; hex=$(printf '0100007F:%04X ' "$1")
  for _ in $(seq 200); do grep -q "$hex" /proc/net/udp && return 0; sleep 0.05; done
  echo "udp port $1 never bound" >&2; return 1
}
# start_gtlsserver DIR PORT KEY CERT [CORE]: ngtcp2's server on 127.0.0.1,
# quiet (even -q leaves a line per client close: "ERR_DRAINING", the client's
# CONNECTION_CLOSE arriving)
start_gtlsserver() {
  start_bg taskset -c "${5:-0}" gtlsserver -q -d "$1" 127.0.0.1 "$2" "$3" "$4" >/dev/null 2>&1
  wait_udp "$2"
}
