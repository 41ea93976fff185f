#!/usr/bin/env bash
# Sets up, builds, and shows sluice on loopback: serve, get (plain, TLS, HTTP/3),
# a slow consumer with its peak memory, a redirect chain on one connection,
# and the exit codes of failing fetches. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's interpreter, not the first python3 on PATH (a pyenv shim costs 0.5 s per start).
if [[ -x /usr/bin/python3 ]]; then python3() { /usr/bin/python3 "$@"; }; fi
scripts/setup.sh --test >/dev/null
scripts/build.sh default >/dev/null
bin=build/default/sluice
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

"$bin" serve --listen 127.0.0.1:$port -q & plain_pid=$!
"$bin" serve --listen 127.0.0.1:$tport --tls --http3 -q & tls_pid=$!
trap 'kill $plain_pid $tls_pid 2>/dev/null; wait $plain_pid $tls_pid 2>/dev/null || true' EXIT
for p in $port $tport; do
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.05; done
done
base=http://127.0.0.1:$port
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "the server's index" "sluice get $base/"
"$bin" get -s "$base/"

step "10 MiB over plain HTTP and over TLS, checked against curl" "sluice get URL | sha256sum"
echo "sluice http : $("$bin" get -s $base/bytes/10485760 | sha256sum | cut -c1-16)"
echo "sluice https: $("$bin" get -sk https://127.0.0.1:$tport/bytes/10485760 | sha256sum | cut -c1-16)"
echo "curl   http : $(curl -s $base/bytes/10485760 | sha256sum | cut -c1-16)"

step "HTTP/2: three transfers as streams of one connection, stdout in URL order" \
     "sluice get -Z --http2-prior-knowledge URL1 URL2 URL3"
"$bin" get -s -Z --http2-prior-knowledge -o /dev/null -o /dev/null -o /dev/null \
  -w '%{http_version} %{http_code} %{size_download} bytes, new connections: %{num_connects}\n' \
  $base/bytes/3000000 $base/bytes/2000000 $base/bytes/1000000

step "HTTP/3 over QUIC (the TLS server also listens on UDP): 10 MiB, then a redirect chain" \
     "sluice get --http3-only -k URL"
for _ in $(seq 100); do grep -q "$(printf '0100007F:%04X ' $tport)" /proc/net/udp && break; sleep 0.05; done
"$bin" get -sk --http3-only -o /dev/null -w '%{http_version} %{http_code} %{size_download} bytes\n' \
  https://127.0.0.1:$tport/bytes/10485760
"$bin" get -skL --http3-only -o /dev/null \
  -w 'status %{http_code}, redirects %{num_redirects}, QUIC connections %{num_connects}\n' \
  https://127.0.0.1:$tport/redirect/5

step "a slow consumer: 100 MiB into pv -L 50m, peak memory of sluice" \
     "sluice get $base/bytes/104857600 | pv -qL 50m > /dev/null"
/usr/bin/time -f "sluice peak RSS: %M KiB" "$bin" get -s $base/bytes/104857600 | pv -qL 50m >/dev/null
/usr/bin/time -f "curl   peak RSS: %M KiB" curl -s $base/bytes/104857600 | pv -qL 50m >/dev/null

step "a redirect chain of 5 on one kept-alive connection" \
     "sluice get -sL -o /dev/null -w '...' $base/redirect/5"
"$bin" get -sL -o /dev/null -w 'status %{http_code}, redirects %{num_redirects}, connections %{num_connects}, %{time_total}s\n' $base/redirect/5

step "a short load test: 20000 requests over 8 connections" "sluice bench -c 8 -n 20000 URL"
"$bin" bench -c 8 -t 2 -n 20000 $base/bytes/100 | head -6

step "failing fetches and their curl-compatible exit codes" "sluice get ...; echo \$?"
show() { local rc=0; "$bin" get -sS "$@" >/dev/null || rc=$?; echo "  -> exit $rc"; }
echo "404 with -f:";              show -f $base/status/404
echo "closed port:";              show http://127.0.0.1:1/
echo "malformed URL:";            show 'http://[::1/'
echo "unsupported protocol:";     show ftp://127.0.0.1/
echo "self-signed certificate:";  show https://127.0.0.1:$tport/
echo "too many redirects:";       show -L --max-redirs 2 $base/redirect/5
echo "max filesize:";             show --max-filesize 1000 $base/bytes/5000
echo "timeout:";                  show -m 0.5 $base/delay/3000
echo "consumer closed the pipe:"
set +o pipefail
"$bin" get -sS $base/bytes/100000000 | head -c 100 >/dev/null; echo "  -> exit ${PIPESTATUS[0]}"
set -o pipefail
echo
echo "demo done; servers stopped."
