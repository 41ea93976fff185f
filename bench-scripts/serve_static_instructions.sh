#!/usr/bin/env bash
# Issue 14's static-file rows counted instead of timed: user-space
# instructions per request (valgrind's cachegrind) and system calls per
# request (strace -c), `sluice serve --root` (one thread) against h2o
# (Debian's 2.2.5, one thread), for a 20-byte file:
#   h1      h2load --h1 -c64 -n N        plain HTTP/1.1
#   h2      h2load -c64 -m10 -n N        over TLS (ALPN h2)
# serve_static.sh's requests/s moved by 10-20% between runs on this shared
# machine; these counts do not. An h1 request costs the kernel more than user
# space (the socket's read and write), so the system calls are counted too.
# Each instruction count is the difference of a run of N2 and one of N1
# requests over N2-N1: start-up and connection set-up cancel out.
# Output: results/serve_static_instructions.json
source "$(dirname "$0")/lib.sh"
need valgrind h2load openssl python3
for pkg in h2o strace; do
  command -v $pkg >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkg >/dev/null
done
N1=${N1:-20000}
N2=${N2:-80000}
tmp=$(mktemp -d); chmod 755 "$tmp"
mkdir -p "$tmp/www" "$tmp/cg"
chmod 777 "$tmp/cg"  # h2o writes its counts after it drops to nobody
head -c 20 /dev/zero | tr '\0' x > "$tmp/www/f20"
chmod -R a+rX "$tmp/www"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
chmod a+r "$tmp/key.pem"

# server_cmd SERVER PROTO PORT: the server's command line, in cmd
server_cmd() {
  local tls=$([[ $2 == h2 ]] && echo yes)
  case $1 in
    sluice)
      cmd=("$SLUICE" serve -q --threads 1 --listen "127.0.0.1:$3" --root "$tmp/www")
      [[ -n $tls ]] && cmd+=(--tls --cert "$tmp/cert.pem" --key "$tmp/key.pem") ;;
    h2o)
      {
        echo "num-threads: 1"
        echo "error-log: $tmp/h2o-error.log"
        echo "hosts:"
        echo "  default:"
        echo "    listen:"
        echo "      host: 127.0.0.1"
        echo "      port: $3"
        # No OCSP stapling: its fetcher would run (and be counted) now and then.
        [[ -n $tls ]] && printf '      ssl:\n        certificate-file: %s\n        key-file: %s\n        ocsp-update-interval: 0\n' \
          "$tmp/cert.pem" "$tmp/key.pem"
        echo "    paths:"
        echo "      /:"
        echo "        file.dir: $tmp/www"
      } > "$tmp/h2o.$3.conf"
      cmd=(h2o -c "$tmp/h2o.$3.conf") ;;
  esac
}

# load PROTO PORT N: N requests for the file, all answered or fail
load() {
  local out
  if [[ $1 == h1 ]]; then
    out=$(h2load --h1 -t 1 -c 64 -n "$3" "http://127.0.0.1:$2/f20")
  else
    out=$(h2load -t 1 -c 64 -m 10 -n "$3" "https://127.0.0.1:$2/f20")
  fi
  grep -q "status codes: $3 2xx" <<<"$out" || { echo "$out" >&2; return 1; }
}

# run SERVER PROTO N WRAPPER...: the server under WRAPPER, N requests, then
# a graceful stop (of the server itself: strace would only detach)
run() {
  local server=$1 proto=$2 n=$3 port; shift 3
  port=$(free_port)
  server_cmd "$server" "$proto" "$port"
  start_bg "$@" "${cmd[@]}" >/dev/null 2>&1
  local pid=$LAST_PID target
  wait_port "$port"
  load "$proto" "$port" "$n"
  target=$pid
  [[ $1 == strace ]] && target=$(pgrep -P "$pid" | head -1)
  kill -TERM "$target"; wait "$pid" 2>/dev/null || true
}

# instructions SERVER PROTO N: user-space instructions of the server for N
# requests, with the processes it forks (h2o's neverbleed, which holds the
# private key and signs for the handshakes)
instructions() {
  rm -f "$tmp"/cg/*
  run "$1" "$2" "$3" valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$tmp/cg/%p.cg"
  cat "$tmp"/cg/*.cg | awk '/^summary:/ {s += $2} END {print s}'
}

# syscalls SERVER PROTO: the server's system calls for N2 requests (strace -c's
# total: its fourth column is the number of calls)
syscalls() {
  run "$1" "$2" "$N2" strace -f -c -o "$tmp/strace.txt"
  awk '$NF == "total" {print $4}' "$tmp/strace.txt"
}

json="{\"n1\":$N1,\"n2\":$N2,\"file_bytes\":20,\"results\":{"
for proto in h1 h2; do
  declare -A I S
  for server in sluice h2o; do
    a=$(instructions $server $proto "$N1")
    b=$(instructions $server $proto "$N2")
    I[$server]=$(calc "($b - $a) / ($N2 - $N1)" 0)
    S[$server]=$(calc "$(syscalls $server $proto) / $N2" 2)
    printf '%s %-6s %6s user instructions, %5s system calls per request\n' \
      "$proto" "$server" "${I[$server]}" "${S[$server]}"
  done
  ri=$(ratio "${I[h2o]}" "${I[sluice]}")
  rs=$(ratio "${S[h2o]}" "${S[sluice]}")
  printf '%s: h2o runs %sx the instructions and %sx the system calls of sluice serve per request\n' \
    "$proto" "$ri" "$rs"
  json+="\"$proto\":{\"sluice\":{\"instructions\":${I[sluice]},\"syscalls\":${S[sluice]}},"
  json+="\"h2o\":{\"instructions\":${I[h2o]},\"syscalls\":${S[h2o]}},"
  json+="\"h2o_over_sluice_instructions\":$ri,\"h2o_over_sluice_syscalls\":$rs},"
  unset I S
done
echo "${json%,}}}" > "$RESULTS/serve_static_instructions.json"
echo "wrote $RESULTS/serve_static_instructions.json"
