#!/usr/bin/env bash
# `get -T` upload: a 1 GiB file (tmpfs) PUT to sluice serve's /upload, which
# answers the byte count and CRC-32 it took; sluice vs `curl -T`, plain h1
# and h2c (prior knowledge); the same over h1 to /echo, which streams the
# body back (the client sends and receives 1 GiB at once, into /dev/null:
# its size is checked); and over HTTP/3 (TLS) vs libcurl's HTTP/3
# (peers/curl_h3_get.c with an upload file), the client pinned to core 1
# and the server to core 0. Runs alternate between the clients; the median run by wall time
# counts. Reports throughput, the client's CPU (user+sys) and peak RSS, and
# sluice/curl ratios from the same run.
# Output: results/get_upload.json
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/h3_lib.sh"
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-5}
tmp=$(mktemp -d)
dir=/dev/shm; [[ -w $dir ]] || dir=$tmp
file=$(mktemp "$dir/sluice-upload.XXXXXX")
cleanup_file() { rm -f "$file"; rm -rf "$tmp"; cleanup; }
trap cleanup_file EXIT
head -c "$SIZE" /dev/urandom > "$file"
port=$(free_port)
h3_cert "$tmp"
start_bg taskset -c 0 "$SLUICE" serve -q --max-body-size $((SIZE * 2)) --listen 127.0.0.1:$port
wait_port $port
url=http://127.0.0.1:$port/upload
tport=$(free_port)
start_bg taskset -c 0 "$SLUICE" serve -q --max-body-size $((SIZE * 2)) --listen 127.0.0.1:$tport \
  --tls --http3 --cert "$tmp/cert.pem" --key "$tmp/key.pem"
wait_port $tport && wait_udp $tport
h3url=https://127.0.0.1:$tport/upload
want=$(python3 -c 'import sys, zlib
c = 0
with open(sys.argv[1], "rb") as f:
    while b := f.read(1 << 20): c = zlib.crc32(b, c)
print("{\"bytes\":%s,\"crc32\":\"%08x\"}" % (sys.argv[2], c))' "$file" "$SIZE")

# run RUNSFILE CMD...: checks the server's answer (or, for /echo, the size
# echoed back), appends "wall cpu peak_kib".
run() {
  local f=$1 t0 t1 got expect=$want; shift
  [[ $proto == h1echo ]] && expect=$SIZE
  t0=$EPOCHREALTIME
  got=$(/usr/bin/time -f '%U %S %M' -o "$f.t" "$@")
  t1=$EPOCHREALTIME
  [[ $got == "$expect" ]] || { echo "$* got '$got', not '$expect'" >&2; exit 1; }
  awk -v w="$(calc "$t1 - $t0")" '{printf "%.4f %.3f %d\n", w, $1 + $2, $3}' "$f.t" >> "$f"
}

json="{\"size\":$SIZE,\"runs\":$RUNS"
for proto in h1 h2c h1echo h3; do
  flags=(--http1.1); [[ $proto == h2c ]] && flags=(--http2-prior-knowledge)
  target=$url
  [[ $proto == h1echo ]] && target=${url%/upload}/echo flags+=(-o /dev/null -w '%{size_download}')
  : > "$tmp/sluice.runs"; : > "$tmp/curl.runs"
  for _ in $(seq "$RUNS"); do
    if [[ $proto == h3 ]]; then
      run "$tmp/sluice.runs" taskset -c 1 "$SLUICE" get -sSk --http3-only -T "$file" "$h3url"
      run "$tmp/curl.runs" taskset -c 1 "$CURL_H3" "$h3url" "$file"
    else
      run "$tmp/sluice.runs" taskset -c 1 "$SLUICE" get -sS "${flags[@]}" -T "$file" "$target"
      run "$tmp/curl.runs" taskset -c 1 curl -sS "${flags[@]}" -T "$file" "$target"
    fi
  done
  read -r sw scpu srss < <(median_run "$tmp/sluice.runs")
  read -r cw ccpu crss < <(median_run "$tmp/curl.runs")
  sm=$(calc "$SIZE / $sw / 1048576"); cm=$(calc "$SIZE / $cw / 1048576")
  printf '%-4s sluice %5.0f MiB/s cpu %5.2fs rss %6d KiB | curl %5.0f MiB/s cpu %5.2fs rss %6d KiB | speed x%s cpu x%s rss x%s\n' \
    $proto "$sm" "$scpu" "$srss" "$cm" "$ccpu" "$crss" \
    "$(ratio "$cw" "$sw")" "$(ratio "$scpu" "$ccpu")" "$(ratio "$srss" "$crss")"
  json+=",\"$proto\":{\"sluice_s\":$sw,\"curl_s\":$cw,\"sluice_mib_s\":$sm,\"curl_mib_s\":$cm,"
  json+="\"sluice_cpu_s\":$scpu,\"curl_cpu_s\":$ccpu,\"sluice_rss_kib\":$srss,\"curl_rss_kib\":$crss,"
  json+="\"speedup\":$(ratio "$cw" "$sw"),\"cpu_ratio\":$(ratio "$scpu" "$ccpu"),\"rss_ratio\":$(ratio "$srss" "$crss")}"
done
echo "$json}" > "$RESULTS/get_upload.json"
echo "wrote $RESULTS/get_upload.json"
