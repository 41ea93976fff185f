#!/usr/bin/env bash
# CPU per second of wall time while `sluice udp-probe` sends 1,000 datagrams/s
# to a closed loopback port for 5 s: error queue drained vs --no-drain (which
# spins on the level-triggered EPOLLERR). For scale, the same sends from a
# bare C loop (send, drain with recvmsg(MSG_ERRQUEUE), sleep 1 ms; no event
# loop), compiled here: the kernel's own cost of a send that earns an ICMP.
# Output: results/udp_errqueue_cpu.json
source "$(dirname "$0")/lib.sh"
need cc
DURATION=${DURATION:-5}
RATE=${RATE:-1000}
port=$(free_port)   # a TCP port just released: nothing listens on it over UDP
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT

cat > "$tmp/closed_loop.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double tv(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }
int main(int argc, char** argv) {
  int port = atoi(argv[1]), rate = atoi(argv[2]); double secs = atof(argv[3]);
  int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
  setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connect(fd, (struct sockaddr*)&a, sizeof a);
  char buf[64] = {0}, ctl[512];
  double t0 = now(); long sent = 0, errors = 0;
  for (long i = 0;; i++) {
    double next = t0 + (double)i / rate;
    if (next - t0 >= secs) break;
    double wait = next - now();
    if (wait > 0) { struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)}; nanosleep(&ts, 0); }
    if (send(fd, buf, sizeof buf, 0) == sizeof buf) sent++;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    while (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) { errors++; m.msg_controllen = sizeof ctl; }
  }
  double wall = now() - t0; struct rusage ru; getrusage(RUSAGE_SELF, &ru);
  printf("{\"sent\":%ld,\"icmp_errors\":%ld,\"wall_s\":%.6f,\"cpu_share\":%.6f}\n", sent, errors, wall,
         (tv(ru.ru_utime) + tv(ru.ru_stime)) / wall);
}
C
cc -O2 -o "$tmp/closed_loop" "$tmp/closed_loop.c"

get() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
probe() { taskset -c 1 "$SLUICE" udp-probe 127.0.0.1:$port --rate "$RATE" --duration "$DURATION" --linger 0 --json "$@"; }

drained=$(probe)
spin=$(probe --no-drain)
bare=$(taskset -c 1 "$tmp/closed_loop" "$port" "$RATE" "$DURATION")
for name in drained spin bare; do
  j=${!name}
  printf '%-8s CPU %6.2f %% of wall  sent %6s  ICMP errors read %6s' "$name" \
    "$(calc "$(get "$j" cpu_share) * 100")" "$(get "$j" sent)" "$(get "$j" icmp_errors)"
  [[ $name != bare ]] && printf '  wake-ups %s' "$(get "$j" wakeups)"
  echo
done
echo "no-drain / drained CPU ratio: $(ratio "$(get "$spin" cpu_share)" "$(get "$drained" cpu_share)")"
echo "drained / bare C loop CPU ratio: $(ratio "$(get "$drained" cpu_share)" "$(get "$bare" cpu_share)")"
cat > "$RESULTS/udp_errqueue_cpu.json" <<JSON
{"rate":$RATE,"duration_s":$DURATION,"drained":$drained,"no_drain":$spin,"bare_c_loop":$bare}
JSON
echo "wrote $RESULTS/udp_errqueue_cpu.json"
