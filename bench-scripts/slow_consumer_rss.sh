#!/usr/bin/env bash
# Slow consumer: `get URL | pv -qL RATE > /dev/null` for 100 MiB and 1 GiB,
# over plain h1, h1 over TLS, h2 over TLS and h3; peak RSS of sluice vs curl
# (curl --http2 for h2; for h3 libcurl's HTTP/3, bench-scripts/h3_lib.sh, from
# ngtcp2's gtlsserver), sha256 checked.
# Output: results/slow_consumer_rss.json
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/h3_lib.sh"
RATE=${RATE:-20m}
SIZES=${SIZES:-"104857600 1073741824"}
port=$(free_port); tport=$(free_port)
start_bg "$SLUICE" serve -q --listen 127.0.0.1:$port
start_bg "$SLUICE" serve -q --tls --listen 127.0.0.1:$tport
wait_port $port; wait_port $tport
tmp=$(mktemp -d); chmod 755 "$tmp"
for size in $SIZES; do truncate -s "$size" "$tmp/$size"; done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
qport=$(free_port)
start_gtlsserver "$tmp" "$qport" "$tmp/key.pem" "$tmp/cert.pem" 0
peak() {  # peak KiB of "$@" with stdout into pv; prints "KiB sha"
  local sha
  sha=$( { /usr/bin/time -f %M -o "$tmp/rss" "$@" | pv -qL "$RATE" | sha256sum | cut -c1-16; } )
  echo "$(cat "$tmp/rss") $sha"
}
json="{\"rate\":\"$RATE\""
for proto in http https h2 h3; do
  p=$port; [[ $proto != http ]] && p=$tport
  scheme=http; [[ $proto != http ]] && scheme=https
  for size in $SIZES; do
    url=$scheme://127.0.0.1:$p/bytes/$size
    if [[ $proto == h3 ]]; then
      url=https://127.0.0.1:$qport/$size
      read -r s_kb s_sha < <(peak "$SLUICE" get -sk --http3-only "$url")
      read -r c_kb c_sha < <(peak "$CURL_H3" "$url")
    elif [[ $proto == h2 ]]; then
      read -r s_kb s_sha < <(peak "$SLUICE" get -sk "$url")
      read -r c_kb c_sha < <(peak curl --http2 -sk "$url")
    else
      read -r s_kb s_sha < <(peak "$SLUICE" get -sk --http1.1 "$url")
      read -r c_kb c_sha < <(peak curl --http1.1 -sk "$url")
    fi
    [[ $s_sha == "$c_sha" ]] || { echo "sha mismatch for $url" >&2; exit 1; }
    printf '%-5s %5d MiB: sluice %6d KiB   curl %6d KiB   ratio %s\n' $proto $((size>>20)) "$s_kb" "$c_kb" "$(ratio "$s_kb" "$c_kb")"
    json+=",\"${proto}_${size}\":{\"sluice_kib\":$s_kb,\"curl_kib\":$c_kb,\"ratio\":$(ratio "$s_kb" "$c_kb")}"
  done
done
echo "$json}" > "$RESULTS/slow_consumer_rss.json"
echo "wrote $RESULTS/slow_consumer_rss.json"
