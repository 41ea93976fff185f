#!/usr/bin/env bash
# One PNG of the latency percentile spectrum of sluice bench vs wrk vs h2load,
# same target (nginx, one worker, core 0), same load (-c 64, one thread, h1),
# generator on core 1. Output: results/latency_spectrum.png (+ .dat files)
source "$(dirname "$0")/lib.sh"
need wrk h2load gnuplot
DURATION=${DURATION:-10}
source "$(dirname "$0")/nginx_lib.sh"
nginx_start_default
tmp=$(mktemp -d)
url="$NGINX_HTTP/bytes/100"
taskset -c 1 "$SLUICE" bench -t 1 -c 64 -d ${DURATION}s --json "$tmp/s.json" "$url" >/dev/null
python3 -c "
import json; d=json.load(open('$tmp/s.json'))
for p, v in d['summary']['latency']['spectrum']:
    if p < 100: print(1/(1-p/100), v/1000)" > "$RESULTS/spectrum_sluice.dat"
cat > "$tmp/pct.lua" <<'LUA'
done = function(summary, latency, requests)
  local ps = {}
  for i = 0, 60 do ps[#ps + 1] = 100 * (1 - 0.5 ^ (i / 5)) end
  for _, p in ipairs(ps) do
    if p < 99.9999 then io.write(string.format("%f %f\n", 1 / (1 - p / 100), latency:percentile(p) / 1000)) end
  end
end
LUA
taskset -c 1 wrk -t1 -c64 -d${DURATION}s -s "$tmp/pct.lua" "$url" | grep -E '^[0-9.]+ [0-9.]+$' > "$RESULTS/spectrum_wrk.dat"
taskset -c 1 h2load --h1 -t1 -c64 -D ${DURATION} --log-file="$tmp/h2load.log" "$url" >/dev/null
python3 -c "
lat = sorted(int(l.split()[2]) for l in open('$tmp/h2load.log') if l.strip())
n = len(lat)
for i in range(0, 61):
    p = 1 - 0.5 ** (i / 5)
    if p < 0.999999: print(1 / (1 - p), lat[min(n - 1, int(p * n))] / 1000)" > "$RESULTS/spectrum_h2load.dat"
gnuplot <<GP
set terminal pngcairo size 900,540 noenhanced
set output "$RESULTS/latency_spectrum.png"
set title "Latency by percentile, nginx /bytes/100, 64 connections, one generator thread"
set logscale x
set xlabel "percentile"
set ylabel "latency (ms)"
set xtics ("50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000)
set key top left
set grid
plot "$RESULTS/spectrum_sluice.dat" with lines lw 2 title "sluice bench", \
     "$RESULTS/spectrum_wrk.dat" with lines lw 2 title "wrk", \
     "$RESULTS/spectrum_h2load.dat" with lines lw 2 title "h2load --h1"
GP
echo "wrote $RESULTS/latency_spectrum.png"
