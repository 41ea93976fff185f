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
# h3_cert DIR: a P-256 certificate for localhost, DIR/key.pem and DIR/cert.pem
h3_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
}
# start_h3_server SERVER PORT DIR [SLUICE ARGS...]: sluice serve --http3 (one
# thread) or gtlsserver serving DIR, with DIR's certificate, on core 0; pid
# in $LAST_PID; returns once its UDP port is bound (and sluice's TCP port)
start_h3_server() {
  local server=$1 port=$2 dir=$3; shift 3
  case $server in
    sluice)
      start_bg taskset -c 0 "$SLUICE" serve -q --threads 1 --listen 127.0.0.1:$port --tls --http3 \
        --cert "$dir/cert.pem" --key "$dir/key.pem" "$@"
      wait_port "$port" && wait_udp "$port" ;;
    gtlsserver)
      start_gtlsserver "$dir" "$port" "$dir/key.pem" "$dir/cert.pem" 0 ;;
  esac
}
# start_gtlsserver DIR PORT KEY CERT [CORE]: ngtcp2's server on 127.0.0.1,
# quiet (even -q leaves a line per client close: "ERR_DRAINING", the client's
# CONNECTION_CLOSE arriving)
start_gtlsserver() {
  start_bg taskset -c "${5:-0}" gtlsserver -q -d "$1" 127.0.0.1 "$2" "$3" "$4" >/dev/null 2>&1
  wait_udp "$2"
}
