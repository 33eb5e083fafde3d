#!/usr/bin/env bash
# Runs the same remote-write load (wrk, one 2000-series request body posted over and over) against
# vmagent and against Sluice, both forwarding to the same nginx sink, alternating A B A B so that drift
# in a shared machine's speed hits both alike. The logic of /work/shared/bench/compare-vmagent.sh, plus:
# request latency (wrk --latency), wrk's own CPU, peak RSS (VmHWM) and Sluice's CPU by thread.
#
# CPU is counted until each has forwarded what it accepted (its queue or WAL is empty again), and
# refused requests (non-2xx) do not count as samples.
#
# usage: bench/compare-vmagent.sh            (npm run bench:vmagent)
# env:   ROUNDS=3 SECS=15 SERIES=2000 CONNS=8
# needs: vmagent (Debian victoria-metrics), nginx, wrk, curl; ports 18429, 18480, 19090 free.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$BENCH")
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
# shellcheck source=lib.sh
source "$BENCH/lib.sh"
rounds=${ROUNDS:-3}; secs=${SECS:-15}; per=${SERIES:-2000}; conns=${CONNS:-8}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

payload=$work/payload.bin
node apps/loadgen/bin/loadgen.js payload "$payload" --series "$per"
pids+=("$(start_sink "$work/sink")")
vmagent -httpListenAddr=127.0.0.1:18429 -remoteWrite.url=http://127.0.0.1:19090/api/v1/write \
  -remoteWrite.tmpDataPath="$work/vmagent" -loggerLevel=ERROR >"$work/vmagent.log" 2>&1 &
vpid=$!; pids+=("$vpid")
node apps/sluice/bin/sluice.js run --server.http.listen-addr=127.0.0.1:18480 \
  --storage.path="$work/sluice" bench/sluice-to-sink.alloy >"$work/sluice.log" 2>&1 &
spid=$!; pids+=("$spid")
vurl=http://127.0.0.1:18429/api/v1/write
surl=http://127.0.0.1:18480/api/v1/metrics/write
wait_http http://127.0.0.1:18429/metrics
wait_http http://127.0.0.1:18480/-/ready

# What process $1 still holds unsent: vmagent's pending queue bytes, Sluice's WAL records.
backlog_of() {
  if [ "$1" = vmagent ]; then
    curl -s http://127.0.0.1:18429/metrics | awk '/^vmagent_remotewrite_pending_data_bytes/ {s += $NF} END {print s + 0}'
  else
    curl -s http://127.0.0.1:18480/metrics | awk '/^sluice_wal_records/ {s += $NF} END {print s + 0}'
  fi
}

# Waits (up to 60 s) until $1 has forwarded everything it accepted; prints how many 0.25 s looks that
# took (1: none waited). vmagent also buffers rows in memory for up to its flush interval (1 s) before
# they reach its queue.
drain() {
  local name=$1 i
  [ "$name" = vmagent ] && sleep 1.5
  for i in $(seq 1 240); do
    [ "$(backlog_of "$name")" = 0 ] && break
    sleep 0.25
  done
  echo "$i"
}

# One wrk run against $2 while measuring process $3; prints one line for target $1. The CPU counted
# runs until the target has forwarded what it accepted: work left queued is work not measured.
measure() {
  local name=$1 url=$2 pid=$3 c0 c1 t0 t1 out waited
  drain "$name" >/dev/null
  c0=$(cpu_of "$pid"); t0=$(threads_of "$pid")
  out=$(PAYLOAD=$payload /usr/bin/time -f 'wrk_cpu %U %S' \
    wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$BENCH/post.lua" "$url" 2>&1)
  waited=$(drain "$name")
  c1=$(cpu_of "$pid"); t1=$(threads_of "$pid")
  echo "$out" | awk -v name="$name" -v per="$per" -v secs="$secs" -v c0="$c0" -v c1="$c1" -v waited="$waited" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /requests in/ { reqs = $1 }
    /Non-2xx/ { non2xx = $5 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /^wrk_cpu/ { wrk = $2 + $3 }
    END {
      ok = reqs - non2xx; cpu = c1 - c0
      printf "%-8s reqs=%d non2xx=%d samples_per_s=%.0f cpu_s=%.2f samples_per_cpu_s=%.0f p50_ms=%.2f p99_ms=%.2f wrk_cpu_s=%.2f drain_s=%.2f\n",
        name, reqs, non2xx, ok * per / secs, cpu, (cpu > 0 ? ok * per / cpu : 0), p50, p99, wrk, (waited - 1) / 4
    }'
  if [ "$name" = sluice ]; then
    # CPU by thread over the run: MainThread (HTTP, WAL calls, sender), WorkerThread (the piscina
    # pool), V8Worker (GC and compiler helpers), libuv-worker (LevelDB).
    echo "         threads: $(awk -v a="$t0" -v b="$t1" 'BEGIN {
      n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); before[kv[1]] = kv[2] }
      n = split(b, y, " "); for (i = 1; i <= n; i++) { split(y[i], kv, "="); d = kv[2] - before[kv[1]]; if (d >= 0.01) printf "%s=%.2f ", kv[1], d }
    }')"
  fi
}

echo "machine: $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "load: wrk -t2 -c$conns -d${secs}s, $per series per request, $rounds rounds"
results=$work/results
for r in $(seq 1 "$rounds"); do
  measure vmagent "$vurl" "$vpid" | tee -a "$results"
  measure sluice "$surl" "$spid" | tee -a "$results"
done
echo "peak RSS (VmHWM): vmagent $(hwm_mib "$vpid") MiB, sluice $(hwm_mib "$spid") MiB"
awk '
  { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
  $1 == "vmagent" { n++; vm[n] = v["samples_per_cpu_s"] }
  $1 == "sluice" { sl[n] = v["samples_per_cpu_s"] }
  END {
    for (i = 1; i <= n; i++) ratio[i] = (vm[i] > 0 ? sl[i] / vm[i] : 0)
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (ratio[j] < ratio[i]) { t = ratio[i]; ratio[i] = ratio[j]; ratio[j] = t }
    printf "ratio samples_per_cpu_s sluice/vmagent: median %.2f (min %.2f, max %.2f, %d rounds)\n", ratio[int((n + 1) / 2)], ratio[1], ratio[n], n
  }' "$results"
