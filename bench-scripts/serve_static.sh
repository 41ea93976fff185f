#!/usr/bin/env bash
# Static files: `sluice serve --root` against h2o (Debian's 2.2.5, one
# thread) and nginx (one worker, sendfile and open_file_cache on), all three
# on core 0 (idle but for the one under load) with the load on core 1, serving
# the same directory, the servers taking turns in every round:
#   h1  20 B     wrk -t1 -c64            requests/s
#   h2  20 B     h2load -t1 -c64 -m10    over TLS (ALPN h2)
#   h1  1 MiB    wrk -t1 -c64            requests/s (x 1 MiB = throughput)
#   h2  1 MiB    h2load -t1 -c8 -m4      over TLS
#   h1  1 GiB    one curl download, seconds (median of ROUNDS)
#   h2  1 GiB    one curl --http2 download over TLS
# Each load also records the server's CPU time, so "requests per server
# CPU-second" compares servers even when the client on the other core is the
# bottleneck. The one-core clients are, at 20 bytes: the servers do not fill
# core 0. So the 20-byte loads run again ("h1_20_capped", "h2_20_capped")
# with each server under a CFS quota of CAP_PCT% of core 0: then the server
# is the bottleneck (skipped without a writable cgroup cpu controller).
# Output: results/serve_static.json
source "$(dirname "$0")/lib.sh"
need wrk h2load openssl
command -v h2o >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq h2o >/dev/null
DURATION=${DURATION:-5}  # seconds per run
ROUNDS=${ROUNDS:-3}      # runs per server and load; the median is kept
# A single 1 GiB download varies by 2x between runs on a shared host (0.42 to
# 1.06 s for one server in one run), and takes well under a second: more runs.
ROUNDS_1G=${ROUNDS_1G:-9}
CAP_PCT=${CAP_PCT:-50}   # the capped runs' share of core 0 per server; 0: none
SERVERS=${SERVERS:-"sluice h2o nginx"}
source "$(dirname "$0")/nginx_lib.sh"  # the certificate and nginx itself

WWW=$NGINX_DIR/www
head -c 20 /dev/zero | tr '\0' x > "$WWW/f20"
head -c $((1 << 20)) /dev/urandom > "$WWW/f1m"
head -c $((1 << 30)) /dev/zero > "$WWW/f1g"
# Written back and read once before any run: otherwise the first server
# measured (sluice) shares its core time with the kernel's writeback.
sync "$WWW/f1m" "$WWW/f1g"
cat "$WWW/f1g" > /dev/null
chmod -R a+rX "$WWW"

h2o_start() {  # $1 port, $2 tls|plain
  local ssl=""
  [[ $2 == tls ]] && ssl="
      ssl:
        certificate-file: $NGINX_DIR/cert.pem
        key-file: $NGINX_DIR/key.pem"
  cat > "$NGINX_DIR/h2o.conf" <<CONF
user: nobody
num-threads: 1
error-log: $NGINX_DIR/h2o-error.log
hosts:
  default:
    listen:
      host: 127.0.0.1
      port: $1$ssl
    paths:
      /:
        file.dir: $WWW
CONF
  start_bg taskset -c 0 h2o -c "$NGINX_DIR/h2o.conf"
}

nginx_static_start() {  # $1 port, $2 tls|plain
  local listen="listen 127.0.0.1:$1;" tls=""
  [[ $2 == tls ]] && listen="listen 127.0.0.1:$1 ssl http2;" tls=$NGINX_TLS
  nginx_conf 1024 "  access_log off;
  sendfile on; tcp_nopush on;
  open_file_cache max=1000 inactive=60s;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server { $listen root $WWW; $tls }"
  nginx_start
}

# start SERVER tls|plain PORT: the server on core 0, its PID in $LAST_PID
start() {
  case $1 in
    sluice) start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$3 --root "$WWW" \
              $([[ $2 == tls ]] && echo --tls --cert "$NGINX_DIR/cert.pem" --key "$NGINX_DIR/key.pem") ;;
    h2o) h2o_start "$3" "$2" ;;
    nginx) nginx_static_start "$3" "$2" ;;
  esac
  wait_port "$3"
}

# load NAME URL: prints the figure of one run (req/s, or seconds for the 1 GiB loads)
load() {
  case $1 in
    h1_20|h1_1m) taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" "$2" | awk '/Requests\/sec/ {print $2}' ;;
    h2_20) taskset -c 1 h2load -t1 -c64 -m10 -D "$DURATION" "$2" 2>/dev/null | awk '/^finished in/ {gsub(",", "", $4); print $4}' ;;
    h2_1m) taskset -c 1 h2load -t1 -c8 -m4 -D "$DURATION" "$2" 2>/dev/null | awk '/^finished in/ {gsub(",", "", $4); print $4}' ;;
    h1_1g) seconds taskset -c 1 curl -sf -o /dev/null "$2" ;;
    h2_1g) seconds taskset -c 1 curl -sfk --http2 -o /dev/null "$2" ;;
  esac
}

# Every server must answer with the file's exact bytes, or the comparison means nothing.
check() {  # URL FILE
  local k=""; [[ $1 == https* ]] && k="-k --http2"
  # shellcheck disable=SC2086
  curl -sf $k "$1" | cmp -s - "$2" || { echo "$1 did not answer the bytes of $2" >&2; exit 1; }
}

# measure LOAD KEY FILE: ROUNDS rounds of LOAD against every server in turn;
# the median figure and server CPU per server under KEY
measure() {
  local l=$1 key=$2 file=$3 i server t0 t1 v rounds=$ROUNDS
  [[ $l == *_1g ]] && rounds=$ROUNDS_1G
  rounds_of[$key]=$rounds
  for server in $SERVERS; do runs[$server]="" effs[$server]=""; done
  for i in $(seq "$rounds"); do
    for server in $SERVERS; do
      t0=$(cpu_ticks "${pid[$server]}")
      v=$(load "$l" "${base[$server]}/$file")
      t1=$(cpu_ticks "${pid[$server]}")
      runs[$server]+="$v "
      round_val[$key,$server,$i]=$v
      effs[$server]+="$(calc "($t1 - $t0) / $(getconf CLK_TCK)") "
    done
  done
  for server in $SERVERS; do
    fig[$key,$server]=$(printf '%s\n' ${runs[$server]} | median)
    cpu[$key,$server]=$(printf '%s\n' ${effs[$server]} | median)
    printf '%-13s %-7s %12.4f  server CPU %6.2f s  (runs: %s)\n' "$key" "$server" \
      "${fig[$key,$server]}" "${cpu[$key,$server]}" "${runs[$server]}"
  done
}

LOADS="h1_20 h2_20 h1_1m h2_1m h1_1g h2_1g"
KEYS=$LOADS  # and the capped ones measured
json="{\"duration_s\":$DURATION,\"rounds\":$ROUNDS,\"rounds_1g\":$ROUNDS_1G,\"cap_pct\":$CAP_PCT,\"results\":{"
declare -A fig cpu pid base runs effs round_val rounds_of
# All servers of a protocol run at once, idle but for the one under load, and
# every round visits each of them in turn: a machine whose speed drifts over
# minutes then shifts every server alike, instead of favouring whichever ran
# first.
for proto in plain tls; do
  scheme=$([[ $proto == tls ]] && echo https || echo http)
  for server in $SERVERS; do
    port=$(free_port)
    start "$server" "$proto" "$port"
    pid[$server]=$LAST_PID
    base[$server]="$scheme://127.0.0.1:$port"
    check "${base[$server]}/f20" "$WWW/f20"; check "${base[$server]}/f1m" "$WWW/f1m"
  done
  for l in $LOADS; do
    [[ $proto == tls && $l == h1_* || $proto == plain && $l == h2_* ]] && continue
    file=f${l#*_}  # h1_20 -> f20, h2_1m -> f1m
    for server in $SERVERS; do
      [[ $l == *_1g ]] || load "$l" "${base[$server]}/$file" >/dev/null  # warm-up
    done
    measure "$l" "$l" "$file"
  done
  # The 20-byte loads again with every server under a CPU cap, so that the
  # server and not the one-core client is the bottleneck.
  if [[ $CAP_PCT != 0 ]] && cap_begin "$CAP_PCT"; then
    for server in $SERVERS; do cap_add "${pid[$server]}"; done
    for l in $LOADS; do
      [[ $l != *_20 || $proto == tls && $l == h1_* || $proto == plain && $l == h2_* ]] && continue
      measure "$l" "${l}_capped" f20
      [[ $KEYS == *${l}_capped* ]] || KEYS+=" ${l}_capped"
    done
    cap_end
  fi
  for server in $SERVERS; do kill "${pid[$server]}"; wait "${pid[$server]}" 2>/dev/null || true; done
done

for l in $KEYS; do
  json+="\"$l\":{"
  for server in $SERVERS; do
    json+="\"$server\":{\"value\":${fig[$l,$server]},\"server_cpu_s\":${cpu[$l,$server]}},"
  done
  # req/s: higher is better; the 1 GiB loads are seconds: lower is better, so
  # every sluice_vs ratio reads "above 1.0 means sluice is ahead".
  for peer in $SERVERS; do
    [[ $peer == sluice || ! $SERVERS =~ sluice ]] && continue
    if [[ $l == *_1g ]]; then r=$(ratio "${fig[$l,$peer]}" "${fig[$l,sluice]}")
    else r=$(ratio "${fig[$l,sluice]}" "${fig[$l,$peer]}"); fi
    # The same ratio within each round (the two ran back to back), then the
    # median of those: on a host whose speed drifts between rounds, pairs
    # compare like with like where medians of separate runs may not.
    paired=$(for i in $(seq "${rounds_of[$l]}"); do
      if [[ $l == *_1g ]]; then ratio "${round_val[$l,$peer,$i]}" "${round_val[$l,sluice,$i]}"
      else ratio "${round_val[$l,sluice,$i]}" "${round_val[$l,$peer,$i]}"; fi
    done | median)
    json+="\"sluice_vs_$peer\":$r,\"sluice_vs_${peer}_paired\":$paired,"
    printf '%-13s sluice vs %-6s %s  (median of per-round ratios %s)\n' "$l" "$peer" "$r" "$paired"
  done
  json="${json%,}},"
done
json="${json%,}}}"
echo "$json" > "$RESULTS/serve_static.json"
echo "wrote $RESULTS/serve_static.json"
