#!/usr/bin/env bash
# `serve` over HTTP/2, requests/s for a 100-byte response: h2load -t1 -c64
# -m10 on core 1 against sluice serve (one thread), nghttpd and nginx (one
# worker), each alone on core 0; over TLS (ALPN h2) and h2c (prior knowledge).
# sluice answers /bytes/100 (generated); the peers a 100-byte static file at
# the same path.
#
# With two cores h2load itself can be the bottleneck (it is for h2c), so each
# run also records the server's CPU time (its processes' utime+stime): the
# figure that compares servers is requests per server-CPU-second.
# Output: results/serve_h2_rps.json
source "$(dirname "$0")/lib.sh"
need h2load nghttpd nginx openssl
DURATION=${DURATION:-10}  # seconds per run
ROUNDS=${ROUNDS:-3}       # runs per server and protocol; the median is kept
source "$(dirname "$0")/nginx_lib.sh"  # www/bytes/100 and the certificate, for all three servers

nginx_h2_conf() {  # $1 port, $2 "ssl http2" or "http2"
  nginx_conf 1024 "  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$1 $2;
    $NGINX_TLS
    root $NGINX_DIR/www;
    default_type application/octet-stream;
  }"
}

# start SERVER PROTO PORT: one server on core 0, pid in $LAST_PID
start() {
  local tls=$([[ $2 == tls ]] && echo 1 || echo 0)
  case $1 in
    sluice)
      start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$3 \
        $( ((tls)) && echo --tls --cert "$NGINX_DIR/cert.pem" --key "$NGINX_DIR/key.pem") ;;
    nghttpd)
      if ((tls)); then start_bg taskset -c 0 nghttpd -d "$NGINX_DIR/www" $3 "$NGINX_DIR/key.pem" "$NGINX_DIR/cert.pem"
      else start_bg taskset -c 0 nghttpd --no-tls -d "$NGINX_DIR/www" $3; fi ;;
    nginx)
      nginx_h2_conf $3 "$( ((tls)) && echo 'ssl http2' || echo http2)"
      nginx_start ;;
  esac
  wait_port $3
}

# run_once URL PID: prints "<req/s> <requests per server-CPU-second>"
run_once() {
  local t0 t1 out
  t0=$(cpu_ticks "$2")
  out=$(taskset -c 1 h2load -t1 -c64 -m10 -D "$DURATION" "$1" 2>/dev/null)
  t1=$(cpu_ticks "$2")
  awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    /^finished in/ {gsub(",", "", $4); rps = $4}
    /^requests:/ {for (i = 1; i < NF; i++) if ($(i + 1) ~ /^succeeded/) ok = $i}
    END {if (ticks > 0) printf "%s %.0f\n", rps, ok / (ticks / hz); else print rps, "null"}' <<<"$out"
}

# ratio that tolerates an unknown (null) side
ratio_or_null() { [[ $1 == null || $2 == null ]] && echo null || ratio "$1" "$2"; }

json="{\"duration_s\":$DURATION,\"rounds\":$ROUNDS,\"h2load\":\"-t1 -c64 -m10\",\"results\":{"
for proto in tls h2c; do
  scheme=$([[ $proto == tls ]] && echo https || echo http)
  json+="\"$proto\":{"
  for server in sluice nghttpd nginx; do
    port=$(free_port)
    start $server $proto $port
    pid=$LAST_PID
    taskset -c 1 h2load -t1 -c64 -m10 -n 20000 "$scheme://127.0.0.1:$port/bytes/100" >/dev/null 2>&1  # warm-up
    rps=() eff=()
    for _ in $(seq "$ROUNDS"); do
      read -r r e < <(run_once "$scheme://127.0.0.1:$port/bytes/100" "$pid")
      rps+=("$r"); eff+=("$e")
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    r=$(printf '%s\n' "${rps[@]}" | median)
    e=null  # unless the server's CPU time could be read
    if printf '%s\n' "${eff[@]}" | grep -qv null; then
      e=$(printf '%s\n' "${eff[@]}" | grep -v null | median)
    fi
    declare "rps_${server}=$r" "eff_${server}=$e"
    printf '%-4s %-8s %9.0f req/s  %9s req per server-CPU-s   (runs: %s)\n' "$proto" "$server" "$r" "$e" "${rps[*]}"
    json+="\"$server\":{\"rps\":$r,\"req_per_cpu_s\":$e},"
  done
  json+="\"sluice_vs_nghttpd\":{\"rps\":$(ratio "$rps_sluice" "$rps_nghttpd"),\"req_per_cpu_s\":$(ratio_or_null "$eff_sluice" "$eff_nghttpd")},"
  json+="\"sluice_vs_nginx\":{\"rps\":$(ratio "$rps_sluice" "$rps_nginx"),\"req_per_cpu_s\":$(ratio_or_null "$eff_sluice" "$eff_nginx")}},"
  printf '%-4s sluice/nghttpd: req/s %s, per CPU-s %s   sluice/nginx: req/s %s, per CPU-s %s\n' "$proto" \
    "$(ratio "$rps_sluice" "$rps_nghttpd")" "$(ratio_or_null "$eff_sluice" "$eff_nghttpd")" \
    "$(ratio "$rps_sluice" "$rps_nginx")" "$(ratio_or_null "$eff_sluice" "$eff_nginx")"
done
json="${json%,}}}"
echo "$json" > "$RESULTS/serve_h2_rps.json"
echo "wrote $RESULTS/serve_h2_rps.json"
