#!/usr/bin/env bash
# Memory a stalled HTTP/2 reader costs a server: CONNS h2c connections, each
# with STREAMS GETs of a 10 MB body and a flow-control window of 0 that is
# never opened (tests/e2e/peers/conn_burst.py burst … h2-stall). The server's
# VmRSS is read before, once every response head came and the RSS settled,
# and after all connections closed; per connection = growth / CONNS.
# sluice serve (/bytes/10000000, generated) vs nginx (one worker) and
# nghttpd, each serving a 10 MB static file at the same path, alone on core 0.
# Output: results/serve_h2_stalled_rss.json
source "$(dirname "$0")/lib.sh"
need nghttpd nginx
CONNS=${CONNS:-50}
STREAMS=${STREAMS:-100}
source "$(dirname "$0")/nginx_lib.sh"
head -c 10000000 /dev/zero > "$NGINX_DIR/www/bytes/10000000"
chmod a+r "$NGINX_DIR/www/bytes/10000000"
BURST="python3 $ROOT/tests/e2e/peers/conn_burst.py burst"

# start SERVER PORT: one server on core 0; sets $LAST_PID (to stop) and
# $RSS_PID (whose memory is measured: nginx's worker, not its master).
start() {
  case $1 in
    sluice) start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$2 ;;
    nghttpd) start_bg taskset -c 0 nghttpd --no-tls -d "$NGINX_DIR/www" $2 ;;
    nginx)
      nginx_conf 1024 "  access_log off;
  server { listen 127.0.0.1:$2 http2; root $NGINX_DIR/www; default_type application/octet-stream; }"
      nginx_start ;;
  esac
  wait_port $2
  RSS_PID=$LAST_PID
  if [[ $1 == nginx ]]; then RSS_PID=$(pgrep -P "$LAST_PID" | head -1); fi
}

json="{\"conns\":$CONNS,\"streams\":$STREAMS,\"body\":10000000,\"results\":{"
for server in sluice nginx nghttpd; do
  port=$(free_port)
  start $server "$port"
  read -r before with after < <(taskset -c 1 $BURST "$port" "$RSS_PID" "$CONNS" h2-stall "$STREAMS" /bytes/10000000)
  kill "$LAST_PID"; wait "$LAST_PID" 2>/dev/null || true
  per=$(( (with - before) / CONNS ))
  printf '%-8s RSS %7d KiB before, %7d KiB stalled (%5d KiB per connection), %7d KiB after close\n' \
    "$server" "$before" "$with" "$per" "$after"
  json+="\"$server\":{\"rss_before_kib\":$before,\"rss_stalled_kib\":$with,\"per_conn_kib\":$per,\"rss_after_close_kib\":$after},"
  declare "per_${server}=$per"
done
json="${json%,}},\"sluice_vs_nginx\":$(ratio "$per_sluice" "$per_nginx"),\"sluice_vs_nghttpd\":$(ratio "$per_sluice" "$per_nghttpd")}"
echo "$json" > "$RESULTS/serve_h2_stalled_rss.json"
echo "wrote $RESULTS/serve_h2_stalled_rss.json"
