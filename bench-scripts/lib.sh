# Shared helpers for the benchmark scripts (sourced). Loopback only; every
# process started here is stopped by PID on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SLUICE=${SLUICE:-$ROOT/build/default/sluice}
RESULTS=$ROOT/bench-scripts/results
mkdir -p "$RESULTS"
PIDS=()
# Debian's interpreter, not the first python3 on PATH: a pyenv shim there costs
# 0.5 s of CPU per start, and Debian's has the modules setup.sh installs.
if [[ -x /usr/bin/python3 ]]; then python3() { /usr/bin/python3 "$@"; }; fi
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -z ${CAP_DIR:-} ]] || rmdir "$CAP_DIR" 2>/dev/null || true  # see cap_begin
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }
# start_bg CMD... : runs in the background, remembers the PID in $LAST_PID
start_bg() { "$@" & LAST_PID=$!; PIDS+=("$LAST_PID"); }
# calc EXPR [SCALE]: bc arithmetic printed as a JSON number (bc drops the
# leading zero of 0.5, and JSON does not allow ".5")
calc() { echo "scale=${2:-6}; $1" | bc -l | sed -E 's/^(-?)\./\10./'; }
# seconds CMD... : wall-clock seconds of a command (stdout discarded)
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); calc "$t1 - $t0"; }
TIMED_SERVER_PID=  # set per call (TIMED_SERVER_PID=PID cmd): never inherited
# cpu_seconds PID: user+sys CPU seconds a process has used so far
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }
# cpu_ticks PID: CPU of a server in clock ticks: the process, its live
# children and its reaped ones (nginx's and h2o's workers)
cpu_ticks() {
  local t p
  t=$(awk '{print $14 + $15 + $16 + $17}' /proc/$1/stat)
  for p in $(pgrep -P "$1" || true); do
    t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat 2>/dev/null || echo 0)))
  done
  echo $t
}
# timed RUNSFILE CMD...: appends "wall cpu" in seconds. Wall time from the
# shell's microsecond clock (time(1)'s %e has 10 ms steps, 3% of a 0.3 s run);
# CPU (user+sys) from time(1). With TIMED_SERVER_PID set, a third column: the CPU
# that process (the server) spent meanwhile.
timed() {
  local f=$1 t0 t1 s0=0 s1=0; shift
  [[ -n ${TIMED_SERVER_PID:-} ]] && s0=$(cpu_seconds "$TIMED_SERVER_PID")
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%U %S' -o "$f.t" "$@" >/dev/null
  t1=$EPOCHREALTIME
  [[ -n ${TIMED_SERVER_PID:-} ]] && s1=$(cpu_seconds "$TIMED_SERVER_PID")
  awk -v w="$(calc "$t1 - $t0")" -v s="$(calc "$s1 - $s0")" -v srv="${TIMED_SERVER_PID:-}" \
    '{ if (srv != "") printf "%.4f %.3f %.2f\n", w, $1 + $2, s; else printf "%.4f %.3f\n", w, $1 + $2 }' \
    "$f.t" >> "$f"
}
# median_run RUNSFILE : the line of the median run by wall time ("wall cpu", or "wall cpu server")
median_run() { sort -n "$1" | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'; }
# A CPU cap for servers, so that they and not the one-core load generator are
# the bottleneck. cap_begin PCT: a cgroup whose CFS quota is PCT% of one CPU
# (10 ms periods); false when this machine has no writable cpu controller.
# cap_add PID...: moves each process and its children into it (nginx's
# worker). cap_end: moves them back and removes the group.
CAP_DIR="" CAP_ROOT=""
cap_begin() {
  if [[ -w /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]]; then  # cgroup v1
    CAP_ROOT=/sys/fs/cgroup/cpu CAP_DIR=/sys/fs/cgroup/cpu/sluice-cap.$$
    mkdir "$CAP_DIR" && echo 10000 >"$CAP_DIR/cpu.cfs_period_us" &&
      echo $(($1 * 100)) >"$CAP_DIR/cpu.cfs_quota_us" || CAP_DIR=""
  elif grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then  # cgroup v2
    CAP_ROOT=/sys/fs/cgroup CAP_DIR=/sys/fs/cgroup/sluice-cap.$$
    mkdir "$CAP_DIR" && echo "$(($1 * 100)) 10000" >"$CAP_DIR/cpu.max" || CAP_DIR=""
  fi
  [[ -n $CAP_DIR ]]
}
cap_add() {
  local p
  for p in "$@" $(for q in "$@"; do pgrep -P "$q" || true; done); do echo "$p" >"$CAP_DIR/cgroup.procs"; done
}
cap_end() {
  local p
  for p in $(cat "$CAP_DIR/cgroup.procs"); do echo "$p" >"$CAP_ROOT/cgroup.procs" || true; done
  rmdir "$CAP_DIR"
  CAP_DIR=""
}
ratio() { calc "$1 / $2" 3; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
need() { for c in "$@"; do command -v "$c" >/dev/null || { echo "missing $c: run scripts/setup.sh --test" >&2; exit 1; }; done; }
need curl python3 bc pv
[[ -x $SLUICE ]] || { echo "build first: scripts/build.sh" >&2; exit 1; }
