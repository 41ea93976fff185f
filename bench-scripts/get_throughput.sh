#!/usr/bin/env bash
# `get` throughput: 1 GiB to /dev/null over loopback, plain and TLS, sluice vs
# curl against the same server (sluice serve), median of RUNS runs each.
# Output: results/get_throughput.json
source "$(dirname "$0")/lib.sh"
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-5}
port=$(free_port); tport=$(free_port)
start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$port
start_bg taskset -c 0 "$SLUICE" serve -q --tls --listen 127.0.0.1:$tport
wait_port $port; wait_port $tport
json="{\"size\":$SIZE,\"runs\":$RUNS"
for proto in http https; do
  p=$port; [[ $proto == https ]] && p=$tport
  url=$proto://127.0.0.1:$p/bytes/$SIZE
  s=$(for _ in $(seq $RUNS); do seconds taskset -c 1 "$SLUICE" get -sk -o /dev/null "$url"; done | median)
  c=$(for _ in $(seq $RUNS); do seconds taskset -c 1 curl -sk -o /dev/null "$url"; done | median)
  sm=$(echo "$SIZE / $s / 1048576" | bc -l); cm=$(echo "$SIZE / $c / 1048576" | bc -l)
  printf '%-5s sluice %6.0f MiB/s   curl %6.0f MiB/s   ratio %s\n' $proto "$sm" "$cm" "$(ratio "$c" "$s")"
  json+=",\"$proto\":{\"sluice_s\":$s,\"curl_s\":$c,\"sluice_mib_s\":$(printf %.1f "$sm"),\"curl_mib_s\":$(printf %.1f "$cm"),\"speedup\":$(ratio "$c" "$s")}"
done
echo "$json}" > "$RESULTS/get_throughput.json"
echo "wrote $RESULTS/get_throughput.json"
