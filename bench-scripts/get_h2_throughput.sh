#!/usr/bin/env bash
# `get` over h2/TLS: 1 GiB to /dev/null, sluice vs `curl --http2`, against
# sluice serve --tls (h2 by ALPN) and nghttpd, server on core 0, client on
# core 1, median of RUNS runs. Wall time and the client's CPU (user+sys).
# Output: results/get_h2_throughput.json
source "$(dirname "$0")/lib.sh"
need nghttpd
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-5}
tmp=$(mktemp -d); chmod 755 "$tmp"
truncate -s "$SIZE" "$tmp/big.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
port=$(free_port); nport=$(free_port)
start_bg taskset -c 0 "$SLUICE" serve -q --tls --cert "$tmp/cert.pem" --key "$tmp/key.pem" --listen 127.0.0.1:$port
start_bg taskset -c 0 nghttpd -d "$tmp" "$nport" "$tmp/key.pem" "$tmp/cert.pem"
wait_port $port; wait_port $nport
urls=("https://127.0.0.1:$port/bytes/$SIZE" "https://127.0.0.1:$nport/big.bin")
names=(sluice-serve nghttpd)
for url in "${urls[@]}"; do
  v=$("$SLUICE" get -sSk -o /dev/null -w '%{http_version} %{size_download}' "$url")
  [[ $v == "2 $SIZE" ]] || { echo "$url: got '$v', want '2 $SIZE'" >&2; exit 1; }
done
run() {  # CLIENT URL -> "wall cpu", median by wall
  for _ in $(seq "$RUNS"); do
    if [[ $1 == sluice ]]; then
      /usr/bin/time -f '%e %U %S' -o "$tmp/t" taskset -c 1 "$SLUICE" get -sk -o /dev/null "$2"
    else
      /usr/bin/time -f '%e %U %S' -o "$tmp/t" taskset -c 1 curl --http2 -sk -o /dev/null "$2"
    fi
    awk '{printf "%s %.3f\n", $1, $2 + $3}' "$tmp/t"
  done | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'
}
json="{\"size\":$SIZE,\"runs\":$RUNS"
for i in 0 1; do
  read -r sw scpu < <(run sluice "${urls[$i]}")
  read -r cw ccpu < <(run curl "${urls[$i]}")
  printf '%-12s h2: sluice %5.0f MiB/s cpu %5.2fs | curl --http2 %5.0f MiB/s cpu %5.2fs | speed x%s, cpu x%s\n' \
    "${names[$i]}" "$(echo "$SIZE/$sw/1048576" | bc -l)" "$scpu" "$(echo "$SIZE/$cw/1048576" | bc -l)" "$ccpu" \
    "$(ratio "$cw" "$sw")" "$(ratio "$scpu" "$ccpu")"
  json+=",\"${names[$i]}\":{\"sluice_s\":$sw,\"curl_s\":$cw,\"sluice_cpu_s\":$scpu,\"curl_cpu_s\":$ccpu,\"speedup\":$(ratio "$cw" "$sw"),\"cpu_ratio\":$(ratio "$scpu" "$ccpu")}"
done
echo "$json}" > "$RESULTS/get_h2_throughput.json"
echo "wrote $RESULTS/get_h2_throughput.json"
