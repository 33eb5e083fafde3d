# Helpers shared by the benchmark scripts (sourced).

# CPU seconds (user + system, every thread) used so far by process $1.
cpu_of() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }

# CPU seconds by thread name of process $1, e.g. "MainThread=1.20 WorkerThread=2.00 ...".
threads_of() {
  local t d
  t=$(getconf CLK_TCK)
  for d in /proc/"$1"/task/*; do
    awk -v n="$(cat "$d/comm")" -v t="$t" '{print n "\t" ($14 + $15) / t}' "$d/stat"
  done | awk -F'\t' '{a[$1] += $2} END {for (k in a) printf "%s=%.2f ", k, a[k]}'
}

# Peak RSS of process $1 in MiB (VmHWM: worker threads are in the same process).
hwm_mib() { awk '/^VmHWM:/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }

# Waits up to 30 s until $1 answers HTTP at all.
wait_http() {
  local i
  for i in $(seq 1 60); do curl -so /dev/null "$1" && return 0; sleep 0.5; done
  echo "no answer from $1" >&2
  return 1
}

# Starts the nginx sink in $1 (a scratch directory); prints its pid.
start_sink() {
  mkdir -p "$1"
  nginx -c "$BENCH/sink-nginx.conf" -p "$1" >/dev/null 2>&1 &
  echo $!
}
