#!/usr/bin/env bash
# `get` throughput: 1 GiB to /dev/null over loopback, plain and TLS, sluice vs
# curl against the same servers (nginx with sendfile, and sluice serve), the
# client pinned to core 1 and the server to core 0. Median of RUNS runs (the
# clients take turns); wall time and the client's CPU time (user+sys), which is
# what the client controls.
# Output: results/get_throughput.json
source "$(dirname "$0")/lib.sh"
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-7}
command -v nginx >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
tmp=$(mktemp -d); chmod 755 "$tmp"; truncate -s "$SIZE" "$tmp/big.bin"; chmod 644 "$tmp/big.bin"  # nginx workers read it
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
nport=$(free_port); ntport=$(free_port); port=$(free_port); tport=$(free_port)
cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 64; }
http {
  access_log off; sendfile on;
  server { listen 127.0.0.1:$nport; root $tmp; }
  server { listen 127.0.0.1:$ntport ssl; root $tmp; ssl_certificate $tmp/cert.pem; ssl_certificate_key $tmp/key.pem; }
}
CONF
start_bg taskset -c 0 nginx -c "$tmp/nginx.conf" -p "$tmp"
start_bg taskset -c 0 "$SLUICE" serve -q --listen 127.0.0.1:$port
start_bg taskset -c 0 "$SLUICE" serve -q --tls --cert "$tmp/cert.pem" --key "$tmp/key.pem" --listen 127.0.0.1:$tport
for p in $nport $ntport $port $tport; do wait_port $p; done

# Every URL must deliver the whole body before anything is timed.
for url in http://127.0.0.1:$nport/big.bin https://127.0.0.1:$ntport/big.bin \
           http://127.0.0.1:$port/bytes/$SIZE https://127.0.0.1:$tport/bytes/$SIZE; do
  got=$("$SLUICE" get -sSk -o /dev/null -w '%{size_download}' "$url")
  [[ $got == "$SIZE" ]] || { echo "$url delivered $got bytes, not $SIZE" >&2; exit 1; }
done

# once CLIENT URL -> "wall cpu" (seconds) of one fetch, client on core 1
once() {
  if [[ $1 == sluice ]]; then
    /usr/bin/time -f '%e %U %S' -o "$tmp/t" taskset -c 1 "$SLUICE" get -sk -o /dev/null "$2"
  else
    /usr/bin/time -f '%e %U %S' -o "$tmp/t" taskset -c 1 curl -sk -o /dev/null "$2"
  fi
  awk '{printf "%s %.3f\n", $1, $2 + $3}' "$tmp/t"
}
median() { sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'; }

# Runs alternate between the clients so that drift in the machine's load hits
# both alike; each client's median run by wall time is reported.
compare() {
  local url=$1
  : > "$tmp/sluice.runs"; : > "$tmp/curl.runs"
  for _ in $(seq "$RUNS"); do
    once sluice "$url" >> "$tmp/sluice.runs"
    once curl "$url" >> "$tmp/curl.runs"
  done
}

json="{\"size\":$SIZE,\"runs\":$RUNS"
for server in nginx sluice; do
  for proto in http https; do
    case $server/$proto in
      nginx/http) url=http://127.0.0.1:$nport/big.bin ;;
      nginx/https) url=https://127.0.0.1:$ntport/big.bin ;;
      sluice/http) url=http://127.0.0.1:$port/bytes/$SIZE ;;
      sluice/https) url=https://127.0.0.1:$tport/bytes/$SIZE ;;
    esac
    compare "$url"
    read -r sw scpu < <(median < "$tmp/sluice.runs")
    read -r cw ccpu < <(median < "$tmp/curl.runs")
    sm=$(echo "$SIZE / $sw / 1048576" | bc -l); cm=$(echo "$SIZE / $cw / 1048576" | bc -l)
    printf '%-6s %-5s sluice %5.0f MiB/s cpu %5.2fs | curl %5.0f MiB/s cpu %5.2fs | speed x%s, cpu x%s\n' \
      $server $proto "$sm" "$scpu" "$cm" "$ccpu" "$(ratio "$cw" "$sw")" "$(ratio "$scpu" "$ccpu")"
    json+=",\"${server}_${proto}\":{\"sluice_s\":$sw,\"curl_s\":$cw,\"sluice_cpu_s\":$scpu,\"curl_cpu_s\":$ccpu,\"speedup\":$(ratio "$cw" "$sw"),\"cpu_ratio\":$(ratio "$scpu" "$ccpu")}"
  done
done
echo "$json}" > "$RESULTS/get_throughput.json"
echo "wrote $RESULTS/get_throughput.json"
