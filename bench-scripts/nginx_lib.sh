# nginx as the peer server for the bench-scripts (sourced after lib.sh): one
# worker, pinned to core 0, a 100-byte file at /bytes/100, plain and TLS+h2.
# Sets NGINX_HTTP, NGINX_HTTPS and NGINX_DIR.
command -v nginx >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
NGINX_DIR=$(mktemp -d); chmod 755 "$NGINX_DIR"
mkdir -p "$NGINX_DIR/www/bytes"; head -c 100 /dev/zero | tr '\0' x > "$NGINX_DIR/www/bytes/100"
chmod -R a+rX "$NGINX_DIR/www"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$NGINX_DIR/key.pem" -out "$NGINX_DIR/cert.pem" 2>/dev/null
_np=$(free_port); _ntp=$(free_port)
cat > "$NGINX_DIR/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections 4096; }
http {
  log_format ts '\$msec';
  access_log ${NGINX_ACCESS_LOG:-off};
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$_np; root $NGINX_DIR/www; }
  server {
    listen 127.0.0.1:$_ntp ssl http2; root $NGINX_DIR/www;
    ssl_certificate $NGINX_DIR/cert.pem; ssl_certificate_key $NGINX_DIR/key.pem;
  }
}
CONF
start_bg taskset -c 0 nginx -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR"
wait_port $_np; wait_port $_ntp
NGINX_HTTP=http://127.0.0.1:$_np
NGINX_HTTPS=https://127.0.0.1:$_ntp
