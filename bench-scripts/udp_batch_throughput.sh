#!/usr/bin/env bash
# Datagrams per second from `sluice udp-probe --rate 0` (as fast as the socket
# takes them) to a `udp-probe --listen --no-echo` receiver on loopback, with
# --batch 1 and --batch 32 (connected), --batch 32 --unconnected (each
# datagram carries its address, like sendto), against a plain blocking sendto loop in C
# (compiled here). Sender on core 1, receiver on core 0. Reports what each
# sender sent per second and what the receiver got per second.
# Output: results/udp_batch_throughput.json
source "$(dirname "$0")/lib.sh"
need cc
DURATION=${DURATION:-3}
REPEAT=${REPEAT:-3}   # rounds, interleaved; the figures are medians
SIZE=${SIZE:-64}
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT

cat > "$tmp/sendto_loop.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char** argv) {
  int port = atoi(argv[1]); double secs = atof(argv[2]); size_t size = (size_t)atoi(argv[3]);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char* buf = calloc(1, size ? size : 1);
  double t0 = now(), t = t0; long sent = 0, errors = 0;
  while (t - t0 < secs) {
    for (int i = 0; i < 256; i++) {
      if (sendto(fd, buf, size, 0, (struct sockaddr*)&a, sizeof a) >= 0) sent++; else errors++;
    }
    t = now();
  }
  printf("{\"sent\":%ld,\"send_errors\":%ld,\"send_s\":%.6f,\"send_rate\":%.1f}\n", sent, errors, t - t0, sent / (t - t0));
}
C
cc -O2 -o "$tmp/sendto_loop" "$tmp/sendto_loop.c"

get() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
receiver_ready() { sleep 0.3; }  # a UDP bind has no handshake to wait for

declare -A sent_rate recv_rate sent_all recv_all out
run_case() {  # name, sender command...; appends one sample
  local name=$1; shift
  local port; port=$(free_port)
  taskset -c 0 "$SLUICE" udp-probe --listen 127.0.0.1:$port --no-echo --duration $((DURATION + 2)) --json \
    > "$tmp/recv_$name.json" 2>/dev/null &
  local rpid=$!; PIDS+=("$rpid")
  receiver_ready
  out[$name]=$("$@" "$port")
  wait "$rpid" || true
  local got; got=$(get "$(cat "$tmp/recv_$name.json")" received)
  sent_all[$name]+="$(get "${out[$name]}" send_rate) "
  recv_all[$name]+="$(calc "$got / $(get "${out[$name]}" send_s)" 1) "
}
sluice_sender() { local port=${*: -1}; set -- "${@:1:$#-1}"; taskset -c 1 "$SLUICE" udp-probe 127.0.0.1:$port --rate 0 --duration "$DURATION" --linger 0 --size "$SIZE" --json "$@"; }
sendto_sender() { taskset -c 1 "$tmp/sendto_loop" "$1" "$DURATION" "$SIZE"; }

cases=(batch1 batch32 batch32_unconn sendto)
for _ in $(seq "$REPEAT"); do
  run_case batch1 sluice_sender --batch 1
  run_case batch32 sluice_sender --batch 32
  run_case batch32_unconn sluice_sender --batch 32 --unconnected   # sendto-like, as the C loop
  run_case sendto sendto_sender
done
for name in "${cases[@]}"; do
  sent_rate[$name]=$(tr ' ' '\n' <<<"${sent_all[$name]}" | grep . | median)
  recv_rate[$name]=$(tr ' ' '\n' <<<"${recv_all[$name]}" | grep . | median)
  printf '%-15s sent %10.0f datagrams/s   received %10.0f datagrams/s   (samples: %s)\n' "$name" \
    "${sent_rate[$name]}" "${recv_rate[$name]}" "${sent_all[$name]% }"
done
echo "batch 32 / batch 1 (sent):   $(ratio "${sent_rate[batch32]}" "${sent_rate[batch1]}")"
echo "batch 32 / sendto loop (sent): $(ratio "${sent_rate[batch32]}" "${sent_rate[sendto]}")"
echo "batch 1 / sendto loop (sent):  $(ratio "${sent_rate[batch1]}" "${sent_rate[sendto]}")"
echo "batch 32 unconnected / sendto loop (sent): $(ratio "${sent_rate[batch32_unconn]}" "${sent_rate[sendto]}")"
samples() { echo "[$(tr ' ' ',' <<<"${1% }")]"; }
cat > "$RESULTS/udp_batch_throughput.json" <<JSON
{"duration_s":$DURATION,"size":$SIZE,"repeat":$REPEAT,"figures":"medians; report = last run",
 "batch1":{"sent_per_s":${sent_rate[batch1]},"received_per_s":${recv_rate[batch1]},"sent_samples":$(samples "${sent_all[batch1]}"),"report":${out[batch1]}},
 "batch32":{"sent_per_s":${sent_rate[batch32]},"received_per_s":${recv_rate[batch32]},"sent_samples":$(samples "${sent_all[batch32]}"),"report":${out[batch32]}},
 "batch32_unconnected":{"sent_per_s":${sent_rate[batch32_unconn]},"received_per_s":${recv_rate[batch32_unconn]},"sent_samples":$(samples "${sent_all[batch32_unconn]}"),"report":${out[batch32_unconn]}},
 "sendto_loop":{"sent_per_s":${sent_rate[sendto]},"received_per_s":${recv_rate[sendto]},"sent_samples":$(samples "${sent_all[sendto]}"),"report":${out[sendto]}},
 "batch32_over_batch1":$(ratio "${sent_rate[batch32]}" "${sent_rate[batch1]}"),
 "batch32_over_sendto":$(ratio "${sent_rate[batch32]}" "${sent_rate[sendto]}")}
JSON
echo "wrote $RESULTS/udp_batch_throughput.json"
