#!/usr/bin/env bash
# Memory at many distinct series: starts the nginx sink and one Sluice node (sluice-to-sink.alloy),
# then apps/loadgen pushes always-new series (default 1 000 000 in 2000-series requests, paced over
# 60 s) and samples the node's RSS every second, and for SETTLE seconds after.
#
# usage: bench/memory-distinct.sh
# env:   SERIES=1000000 PER_REQUEST=2000 DURATION=60 CONCURRENCY=4 SETTLE=10
# needs: nginx, curl; ports 18480 and 19090 free.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$BENCH")
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
# shellcheck source=lib.sh
source "$BENCH/lib.sh"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

pids+=("$(start_sink "$work/sink")")
node apps/sluice/bin/sluice.js run --server.http.listen-addr=127.0.0.1:18480 \
  --storage.path="$work/sluice" bench/sluice-to-sink.alloy >"$work/sluice.log" 2>&1 &
spid=$!; pids+=("$spid")
wait_http http://127.0.0.1:18480/-/ready
echo "machine: $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "sluice idle: $(awk '/^VmRSS:/ {printf "%d MiB", $2 / 1024}' "/proc/$spid/status") RSS"
node apps/loadgen/bin/loadgen.js distinct --url http://127.0.0.1:18480/api/v1/metrics/write \
  --pid "$spid" --series "${SERIES:-1000000}" --per-request "${PER_REQUEST:-2000}" \
  --duration "${DURATION:-60}" --concurrency "${CONCURRENCY:-4}" --settle "${SETTLE:-10}"
echo "sluice CPU: $(cpu_of "$spid") s in all; peak RSS (VmHWM) $(hwm_mib "$spid") MiB"
