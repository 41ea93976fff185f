#!/usr/bin/env bash
# `serve` under a mixed soak: DURATION seconds (default 300) of load against
# one `sluice serve` (core 0), sampling its RSS every second:
#   - sluice bench (core 1) in 10-second turns: h1 keep-alive, h1 without
#     keep-alive, h2c (prior knowledge) with 10 streams per connection, each
#     on small and 64 KiB bodies;
#   - 6 slow readers throughout (curl --limit-rate 64k of a 1 GB body, 3 over
#     h1 and 3 over h2c), each cut after 20 s and started again.
# RSS must be flat after warm-up (WARMUP, 60 s: each bench turn once): the
# script reports the peak of the first and of the last third after it, and
# their ratio.
# Output: results/serve_soak.json (every sample) and results/serve_soak.png
# (gnuplot).
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-300}
WARMUP=${WARMUP:-60}  # one of each of the six bench turns
command -v gnuplot >/dev/null ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null; }
port=$(free_port)
start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$port
server=$LAST_PID
wait_port $port
base=http://127.0.0.1:$port
tmp=$(mktemp -d)
end=$((SECONDS + DURATION))

sample() {  # one "seconds rss_kib" line per second until the end
  local t0=$SECONDS
  while ((SECONDS < end)); do
    echo "$((SECONDS - t0)) $(awk '/^VmRSS/ {print $2}' /proc/$server/status)"
    sleep 1
  done
}
slow_reader() {  # $1: curl's protocol flags
  while ((SECONDS + 2 < end)); do
    local left=$((end - SECONDS - 1))
    curl -s $1 --limit-rate 64k -m $((left < 20 ? left : 20)) -o /dev/null "$base/bytes/1000000000" || true
  done
}
load() {  # bench turns until the end
  local turn=0
  local -a kinds=("--http1.1" "--http1.1 --no-keepalive" "--http2-prior-knowledge -m 10")
  while ((SECONDS + 10 <= end)); do
    local kind=${kinds[$((turn % 3))]} body=$(((turn / 3) % 2 == 0 ? 100 : 65536))
    taskset -c 1 "$SLUICE" bench -t 1 -c 32 -d 10s $kind "$base/bytes/$body" > /dev/null 2>&1 || true
    turn=$((turn + 1))
  done
}

sample > "$tmp/rss" &
sampler=$!
readers=()
for flags in "" "" "" "--http2-prior-knowledge" "--http2-prior-knowledge" "--http2-prior-knowledge"; do
  slow_reader "$flags" &
  readers+=($!)
done
load
wait "$sampler" "${readers[@]}"

# Peaks of the first and the last third after warm-up.
read -r first last < <(awk -v w="$WARMUP" '$1 >= w {t[++n] = $1; r[n] = $2}
  END {k = int(n / 3); a = 0; b = 0
       for (i = 1; i <= k; i++) if (r[i] > a) a = r[i]
       for (i = n - k + 1; i <= n; i++) if (r[i] > b) b = r[i]
       print a, b}' "$tmp/rss")
requests=$(curl -s "$base/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
printf 'serve soak %ds: RSS peak %d KiB in the first third after %ds of warm-up, %d KiB in the last (x%s); %s requests\n' \
  "$DURATION" "$first" "$WARMUP" "$last" "$(ratio "$last" "$first")" "$requests"
samples=$(awk '{printf "%s[%s,%s]", (NR > 1 ? "," : ""), $1, $2}' "$tmp/rss")
echo "{\"duration_s\":$DURATION,\"warmup_s\":$WARMUP,\"requests\":$requests,\"first_third_peak_kib\":$first,\"last_third_peak_kib\":$last,\"growth\":$(ratio "$last" "$first"),\"samples\":[$samples]}" \
  > "$RESULTS/serve_soak.json"
gnuplot <<PLOT
set terminal pngcairo size 900,450 noenhanced
set output "$RESULTS/serve_soak.png"
set title "sluice serve RSS under a mixed soak (bench h1/h1 no-keepalive/h2c turns, 6 slow readers)"
set xlabel "seconds"
set ylabel "RSS (MiB)"
set yrange [0:*]
set grid
plot "$tmp/rss" using 1:(\$2/1024) with lines lw 2 title "serve RSS"
PLOT
echo "wrote $RESULTS/serve_soak.json and $RESULTS/serve_soak.png"
