#!/usr/bin/env bash
# Open-model accuracy: sluice bench --rate 20000 -d 10s against nginx (one
# worker). Achieved rate vs requested, and the evenness of arrivals: nginx logs
# each request's time ($msec); requests per 100 ms bucket vs their mean.
# Output: results/bench_open_model.json
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-20000}
DURATION=${DURATION:-10}
source "$(dirname "$0")/nginx_lib.sh"
nginx_start_logged
tmp=$(mktemp -d)
taskset -c 1 "$SLUICE" bench -t 1 -c 64 --rate "$RATE" -d ${DURATION}s --json "$tmp/open.json" "$NGINX_HTTP/bytes/100" | tee "$tmp/report.txt"
sleep 1
python3 - "$tmp/open.json" "$NGINX_ACCESS_LOG_FILE" "$RATE" "$RESULTS/bench_open_model.json" <<'PY'
import json, sys, collections
res = json.load(open(sys.argv[1])); rate = float(sys.argv[3])
ts = sorted(float(l) for l in open(sys.argv[2]) if l.strip())
t0 = ts[0]
buckets = collections.Counter(int((t - t0) * 10) for t in ts)
full = [buckets[i] for i in range(0, max(buckets))]  # drop the last, partial bucket
mean = sum(full) / len(full)
worst = max(abs(b - mean) / mean for b in full)
first = full[0]
achieved = res["rates"]["requests_per_s"]  # over the measured window
out = {"requested_rate": rate, "achieved_rate": round(achieved, 1),
       "achieved_ratio": round(achieved / rate, 4), "buckets_100ms": len(full),
       "bucket_mean": round(mean, 1), "worst_bucket_deviation": round(worst, 4),
       "first_bucket": first,
       "p99_corrected_us": res["summary"]["latency_corrected"]["p99_us"],
       "p99_uncorrected_us": res["summary"]["latency"]["p99_us"]}
json.dump(out, open(sys.argv[4], "w"))
print(f"requested {rate:.0f}/s, achieved {achieved:.1f}/s ({achieved/rate*100:.2f}%); "
      f"100 ms buckets: mean {mean:.1f}, worst deviation {worst*100:.2f}%, first {first}; "
      f"p99 corrected {out['p99_corrected_us']} us, uncorrected {out['p99_uncorrected_us']} us")
PY
echo "wrote $RESULTS/bench_open_model.json"
