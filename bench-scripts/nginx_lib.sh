# nginx as the peer server for the bench-scripts (sourced after lib.sh): one
# worker, pinned to core 0, serving $NGINX_DIR/www, which holds bytes/100 (a
# 100-byte file); $NGINX_DIR/cert.pem and key.pem are a self-signed pair for
# its TLS servers (and for any other server a script wants on the same one).
#   nginx_start_default    plain and TLS+h2 servers; sets NGINX_HTTP, NGINX_HTTPS
#   nginx_conf, nginx_start    for a script that needs other server blocks
command -v nginx >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
NGINX_DIR=$(mktemp -d); chmod 755 "$NGINX_DIR"
mkdir -p "$NGINX_DIR/www/bytes"; head -c 100 /dev/zero | tr '\0' x > "$NGINX_DIR/www/bytes/100"
chmod -R a+rX "$NGINX_DIR/www"  # nginx workers run unprivileged
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$NGINX_DIR/key.pem" -out "$NGINX_DIR/cert.pem" 2>/dev/null
# The certificate directives of a TLS server block.
NGINX_TLS="ssl_certificate $NGINX_DIR/cert.pem; ssl_certificate_key $NGINX_DIR/key.pem;"

# nginx_conf WORKER_CONNECTIONS HTTP_BODY: writes $NGINX_DIR/nginx.conf, one
# worker in the foreground with HTTP_BODY (directives, server blocks) in http {}.
nginx_conf() {
  cat > "$NGINX_DIR/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections $1; }
http {
$2
}
CONF
}

# nginx_start PORT...: nginx with that configuration on core 0 (the master's
# PID in $LAST_PID), back once each PORT accepts.
nginx_start() {
  start_bg taskset -c 0 nginx -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR"
  local p
  for p in "$@"; do wait_port "$p"; done
}

# nginx_start_logged: nginx_start_default with each request's time ($msec)
# logged to $NGINX_ACCESS_LOG_FILE, the server's own count of what it served.
nginx_start_logged() {
  NGINX_ACCESS_LOG_FILE=$(mktemp)
  chmod 666 "$NGINX_ACCESS_LOG_FILE"  # nginx workers run unprivileged
  NGINX_ACCESS_LOG="$NGINX_ACCESS_LOG_FILE ts" nginx_start_default
}

# The peer most scripts measure against: plain HTTP/1.1 and TLS with h2.
# NGINX_ACCESS_LOG="FILE ts" logs each request's time (bench_open_model.sh).
nginx_start_default() {
  local plain tls
  plain=$(free_port); tls=$(free_port)
  nginx_conf 4096 "  log_format ts '\$msec';
  access_log ${NGINX_ACCESS_LOG:-off};
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$plain; root $NGINX_DIR/www; }
  server {
    listen 127.0.0.1:$tls ssl http2; root $NGINX_DIR/www;
    $NGINX_TLS
  }"
  nginx_start "$plain" "$tls"
  NGINX_HTTP=http://127.0.0.1:$plain
  NGINX_HTTPS=https://127.0.0.1:$tls
}
