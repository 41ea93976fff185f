#!/usr/bin/env bash
# Instructions per HTTP/3 request, counted by valgrind's cachegrind: a figure
# the shared machine's noise cannot move (serve_h3_rps.sh's requests/s moved
# 1.5x to 2.1x between phases of the host). User-space instructions only:
# the kernel's share (the UDP sends and receives) is not counted; sluice
# serve sends about half the datagrams per request gtlsserver does.
#
# - serve: `sluice serve --http3` (one thread) vs ngtcp2's gtlsserver, each
#   under cachegrind, loaded by `sluice bench --http3-only -c64 -m10` for a 100
#   byte response (the load of serve_h3_rps.sh);
# - bench: `sluice bench --http3-only -c64 -m10` itself under cachegrind,
#   against sluice serve. (Not h1 or h2: under valgrind their TLS reads come
#   in other sizes than at full speed, and their counts come out 2-3 times
#   what their measured CPU time allows.)
# Each count is the difference of a run of N2 and one of N1 requests over
# N2-N1: set-up and handshakes cancel out.
# Output: results/serve_h3_instructions.json
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/h3_lib.sh"
need valgrind openssl python3
N1=${N1:-20000}
N2=${N2:-80000}
tmp=$(mktemp -d); chmod 755 "$tmp"
mkdir -p "$tmp/bytes"
head -c 100 /dev/zero | tr '\0' x > "$tmp/bytes/100"
h3_cert "$tmp"
CG=(valgrind --tool=cachegrind --cache-sim=no)
# instructions FILE: the total a cachegrind run counted
instructions() { awk '/^summary:/ {print $2}' "$1"; }
load() { "$SLUICE" bench -k -t 1 -n "$1" "${@:2}" >/dev/null 2>"$tmp/bench.err" || { cat "$tmp/bench.err" >&2; return 1; }; }

# server_count SERVER N: the instructions SERVER ran (under cachegrind) to
# start, serve N requests and stop
server_count() {
  local port out=$tmp/$1.$2.cg
  port=$(free_port)
  case $1 in
    sluice)
      start_bg "${CG[@]}" --cachegrind-out-file="$out" "$SLUICE" serve -q --threads 1 --listen 127.0.0.1:$port --tls --http3 \
        --cert "$tmp/cert.pem" --key "$tmp/key.pem" 2>/dev/null
      wait_port "$port" && wait_udp "$port" ;;
    gtlsserver)
      start_bg "${CG[@]}" --cachegrind-out-file="$out" gtlsserver -q -d "$tmp" 127.0.0.1 "$port" "$tmp/key.pem" "$tmp/cert.pem" \
        >/dev/null 2>&1
      wait_udp "$port" ;;
  esac
  local pid=$LAST_PID
  load "$2" --http3-only -c 64 -m 10 "https://127.0.0.1:$port/bytes/100"
  kill -INT "$pid"; wait "$pid" 2>/dev/null || true
  instructions "$out"
}

# generator_count PROTO M N URL: the instructions sluice bench ran for N requests
generator_count() {
  local out=$tmp/bench.$1.$3.cg
  "${CG[@]}" --cachegrind-out-file="$out" "$SLUICE" bench -k -t 1 -n "$3" "--$1" -c 64 -m "$2" "$4" >/dev/null 2>"$tmp/bench.err" ||
    { cat "$tmp/bench.err" >&2; return 1; }
  instructions "$out"
}

per_request() { calc "($2 - $1) / ($N2 - $N1)" 0; }

json="{\"n1\":$N1,\"n2\":$N2,\"load\":\"sluice bench --http3-only -t1 -c64 -m10, /bytes/100\",\"serve\":{"
declare -A SERVE
for server in sluice gtlsserver; do
  a=$(server_count $server "$N1")
  b=$(server_count $server "$N2")
  SERVE[$server]=$(per_request "$a" "$b")
  printf 'h3 %-10s %7s instructions per request (user space)\n' "$server" "${SERVE[$server]}"
  json+="\"$server\":${SERVE[$server]},"
done
r=$(ratio "${SERVE[gtlsserver]}" "${SERVE[sluice]}")
printf 'sluice serve runs %sx fewer instructions per request than gtlsserver\n' "$r"
json="${json%,}},\"gtlsserver_over_sluice\":$r,\"bench\":{"

# The generator, against an uninstrumented sluice serve on the other core.
port=$(free_port)
start_h3_server sluice "$port" "$tmp"
pid=$LAST_PID
url="https://127.0.0.1:$port/bytes/100"
a=$(generator_count http3-only 10 "$N1" "$url")
b=$(generator_count http3-only 10 "$N2" "$url")
g=$(per_request "$a" "$b")
printf 'sluice bench --http3-only %7s instructions per request\n' "$g"
json+="\"http3\":$g,"
kill "$pid"; wait "$pid" 2>/dev/null || true
json="${json%,}}}"
echo "$json" > "$RESULTS/serve_h3_instructions.json"
