# CPU time from /proc over a load, split by who used it (sourced by benches/run and
# benches/profile):
#
#   cpu_start SERVER_PID     # remember the counters (SERVER_PID may be empty: no server)
#   ...the load...
#   cpu_per REQUESTS         # prints "server_ms postgres_ms other_ms busy_percent": CPU
#                            # milliseconds per request, and how busy the cores were
#
# PostgreSQL's share counts every postgres process, and the sessions that ended meanwhile (the
# postmaster's children's time). "Other" is the rest of the machine's busy time: the load
# generator (wrk, pgbench), the kernel's own threads, anything else running.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {
  local t=0 p postmaster
  postmaster=$(pgrep -o -x postgres)
  for p in $(pgrep -x postgres); do t=$((t + $(cpu_ticks "$p"))); done
  echo $((t + $(awk '{ print $16 + $17 }' "/proc/$postmaster/stat")))
}
machine_ticks() { head -1 /proc/stat | awk '{ print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }'; } # busy idle
cpu_start() {
  CPU_PID=${1:-}
  CPU_S0=0
  [ -n "$CPU_PID" ] && CPU_S0=$(cpu_ticks "$CPU_PID")
  CPU_P0=$(pg_ticks)
  read -r CPU_B0 CPU_I0 < <(machine_ticks)
}
cpu_per() {
  local s1=0 p1 b1 i1
  [ -n "$CPU_PID" ] && s1=$(cpu_ticks "$CPU_PID")
  p1=$(pg_ticks)
  read -r b1 i1 < <(machine_ticks)
  awk -v s=$((s1 - CPU_S0)) -v p=$((p1 - CPU_P0)) -v b=$((b1 - CPU_B0)) -v i=$((i1 - CPU_I0)) \
    -v n="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { ms = 1000 / hz / (n > 0 ? n : 1);
      printf "%.3f %.3f %.3f %.0f\n", s * ms, p * ms, (b - s - p) * ms, 100 * b / (b + i) }'
}
# Waits (at most 60 s) until the process uses less than 5% of a core over half a second: a
# server whose followers are done with the load before.
cpu_settle() {
  local t0 t1 hz
  hz=$(getconf CLK_TCK)
  for _ in $(seq 1 120); do
    t0=$(cpu_ticks "$1"); sleep 0.5; t1=$(cpu_ticks "$1")
    [ $(( (t1 - t0) * 100 )) -lt $(( hz * 5 / 2 )) ] && return 0
  done
}
