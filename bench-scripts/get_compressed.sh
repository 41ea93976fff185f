#!/usr/bin/env bash
# `get --compressed`:
#  1. Speed and CPU: SIZE bytes of text (base64 of random bytes: gzip takes it
#     to about 76 %, so inflating is real work) served gzip'ed by nginx
#     (gzip_static, one worker on core 0) to /dev/null, sluice vs curl, both
#     --compressed, client on core 1, RUNS runs taking turns; median by wall.
#  2. Memory: peak RSS of `get --compressed` into a 400 MB/s consumer (pv) for
#     100 MiB and 1 GiB from serve's /encoded/gzip (about 1000:1), beside the
#     same sizes of /bytes without compression: flat in the body size.
# The gzip file is made once and kept in $CACHE (about 0.8 GiB).
# Output: results/get_compressed.json
source "$(dirname "$0")/lib.sh"
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-5}
CACHE=${CACHE:-/var/tmp/sluice-bench}
source "$(dirname "$0")/nginx_lib.sh"
need gzip base64
tmp=$(mktemp -d)
mkdir -p "$CACHE"
src=$CACHE/text-$SIZE.txt
if [[ ! -s $src.gz ]]; then
  echo "making $src.gz (once)..." >&2
  { base64 -w 76 /dev/urandom || true; } | head -c "$SIZE" > "$src"  # base64 ends by SIGPIPE
  gzip -1 -c "$src" > "$src.gz.part" && mv "$src.gz.part" "$src.gz"
  sha256sum < "$src" | cut -c1-64 > "$src.sha"
  rm -f "$src"
fi
ln -sf "$src.gz" "$NGINX_DIR/www/big.txt.gz"
chmod a+r "$src.gz"; chmod a+x "$CACHE"
port=$(free_port); sport=$(free_port)
nginx_conf 64 "  access_log off; sendfile on; gzip_static on; disable_symlinks off;
  server { listen 127.0.0.1:$port; root $NGINX_DIR/www; }"
nginx_start "$port"
start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$sport
wait_port "$sport"

url=http://127.0.0.1:$port/big.txt
want=$(cat "$src.sha")
for client in "$SLUICE get -s" "curl -s"; do  # both must decode the whole text first
  got=$($client --compressed "$url" | sha256sum | cut -c1-64)
  [[ $got == "$want" ]] || { echo "$client --compressed $url: wrong bytes" >&2; exit 1; }
done

: > "$tmp/sluice.runs"; : > "$tmp/curl.runs"
for _ in $(seq "$RUNS"); do
  timed "$tmp/sluice.runs" taskset -c 1 "$SLUICE" get -s --compressed -o /dev/null "$url"
  timed "$tmp/curl.runs" taskset -c 1 curl -s --compressed -o /dev/null "$url"
done
read -r sw scpu < <(median_run "$tmp/sluice.runs")
read -r cw ccpu < <(median_run "$tmp/curl.runs")
printf 'gzip %s MiB: sluice %6.0f MiB/s cpu %5.2fs | curl %6.0f MiB/s cpu %5.2fs | speed x%s, cpu x%s\n' \
  $((SIZE >> 20)) "$(calc "$SIZE / $sw / 1048576")" "$scpu" "$(calc "$SIZE / $cw / 1048576")" "$ccpu" \
  "$(ratio "$cw" "$sw")" "$(ratio "$scpu" "$ccpu")"
json="{\"size\":$SIZE,\"runs\":$RUNS,\"gzip_speed\":{\"sluice_s\":$sw,\"curl_s\":$cw,\"sluice_cpu_s\":$scpu,\"curl_cpu_s\":$ccpu,\"speedup\":$(ratio "$cw" "$sw"),\"cpu_ratio\":$(ratio "$scpu" "$ccpu")}"

peak_kb() {  # URL FLAGS...: peak RSS in KiB of one get into a 400 MB/s consumer
  local u=$1; shift
  /usr/bin/time -f '%M' -o "$tmp/rss" taskset -c 1 "$SLUICE" get -s "$@" "$u" | pv -qL 400m > /dev/null
  cat "$tmp/rss"
}
json+=",\"slow_consumer_rss_kb\":{"
for n in 104857600 1073741824; do
  c=$(peak_kb "http://127.0.0.1:$sport/encoded/gzip/$n" --compressed)
  p=$(peak_kb "http://127.0.0.1:$sport/bytes/$n")
  printf 'slow consumer, %5s MiB: --compressed peak %6s KiB | plain h1 peak %6s KiB\n' $((n >> 20)) "$c" "$p"
  json+="\"$n\":{\"compressed\":$c,\"plain\":$p},"
done
echo "${json%,}}}" > "$RESULTS/get_compressed.json"
echo "wrote $RESULTS/get_compressed.json"
