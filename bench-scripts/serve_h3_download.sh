#!/usr/bin/env bash
# A SIZE-byte (1 GiB) file served over HTTP/3: `sluice serve --tls --http3
# --root` (one thread) vs ngtcp2's gtlsserver, each alone on core 0, fetched
# to /dev/null on core 1 by the same clients in turn: sluice get
# --http3-only, libcurl's HTTP/3 (bookworm-backports' libcurl3-gnutls) and
# gtlsclient, the runs alternating between the servers. Median of RUNS runs
# by wall time; with it the server's CPU in that run (issue 16's target: sluice serve at least as fast, with less
# server CPU per GiB).
# Output: results/serve_h3_download.json
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/h3_lib.sh"
need openssl
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-9}  # one 1 GiB download varies by 2x on a shared host; 9 runs steady the median
tmp=$(mktemp -d); chmod 755 "$tmp"
# Written, not sparse: reading a hole costs read(2) a kernel memset per page
# while gtlsserver's mmap maps the zero page, which would measure the file
# system instead of the servers. Cached after the first run for both.
head -c "$SIZE" /dev/zero > "$tmp/big.bin"
# Written back and read once before any run: otherwise the first server
# measured shares its core time with the kernel's writeback of the file.
sync "$tmp/big.bin"
cat "$tmp/big.bin" > /dev/null
h3_cert "$tmp"

# client NAME URL PORT: the command line of one fetch to /dev/null on core 1, in cmd
client() {
  case $1 in
    sluice) cmd=(taskset -c 1 "$SLUICE" get -sk --http3-only -o /dev/null "$2") ;;
    libcurl) cmd=(taskset -c 1 "$CURL_H3" "$2") ;;
    gtlsclient) cmd=(taskset -c 1 sh -c 'exec gtlsclient -q --exit-on-all-streams-close 127.0.0.1 "$0" "$1" >/dev/null 2>&1' "$3" "$2") ;;
  esac
}

json="{\"size\":$SIZE,\"runs\":$RUNS,\"results\":{"
declare -A WALL SRV PID URL PORT
# Both servers up at once (the idle one costs nothing), and each client's
# runs alternate between them: a phase of a shared host's noise then falls
# on both alike instead of on whichever server ran during it.
for server in sluice gtlsserver; do
  PORT[$server]=$(free_port)
  start_h3_server $server "${PORT[$server]}" "$tmp" --root "$tmp"
  PID[$server]=$LAST_PID
  URL[$server]="https://127.0.0.1:${PORT[$server]}/big.bin"
  v=$("$SLUICE" get -sk --http3-only -o /dev/null -w '%{http_version} %{size_download}' "${URL[$server]}")
  [[ $v == "3 $SIZE" ]] || { echo "$server: got '$v', want '3 $SIZE'" >&2; exit 1; }
done
for c in sluice libcurl gtlsclient; do
  for server in sluice gtlsserver; do : > "$tmp/$server.$c.runs"; done
  for _ in $(seq "$RUNS"); do
    for server in sluice gtlsserver; do
      client $c "${URL[$server]}" "${PORT[$server]}"
      TIMED_SERVER_PID=${PID[$server]} timed "$tmp/$server.$c.runs" "${cmd[@]}"
    done
  done
  for server in sluice gtlsserver; do
    read -r w _ s < <(median_run "$tmp/$server.$c.runs")
    WALL[$server.$c]=$w SRV[$server.$c]=$s
    printf '%-10s served to %-10s %6.0f MiB/s, server CPU %5.2fs per GiB\n' "$server" "$c" \
      "$(calc "$SIZE/$w/1048576")" "$(calc "$s*1073741824/$SIZE")"
  done
done
for server in sluice gtlsserver; do
  json+="\"$server\":{"
  for c in sluice libcurl gtlsclient; do
    json+="\"$c\":{\"wall_s\":${WALL[$server.$c]},\"server_cpu_s\":${SRV[$server.$c]}},"
  done
  json="${json%,}},"
  kill "${PID[$server]}"; wait "${PID[$server]}" 2>/dev/null || true
done
json="${json%,}},\"ratios\":{"
for c in sluice libcurl gtlsclient; do
  sp=$(ratio "${WALL[gtlsserver.$c]}" "${WALL[sluice.$c]}")
  cpu=$(ratio "${SRV[sluice.$c]}" "${SRV[gtlsserver.$c]}")
  printf 'to %-10s sluice serve vs gtlsserver: speed x%s, server CPU x%s\n' "$c" "$sp" "$cpu"
  json+="\"$c\":{\"speed\":$sp,\"server_cpu\":$cpu},"
done
json="${json%,}}}"
echo "$json" > "$RESULTS/serve_h3_download.json"
