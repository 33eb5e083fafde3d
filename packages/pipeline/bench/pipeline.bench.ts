/**
 * Samples per second through the pipeline, for 2000-series snappy remote-write requests (1 sample per
 * series, as Prometheus sends by default), a 2-rule relabel stage and one sink with 4 shards:
 *
 * - baseline: single-threaded protobufjs decode -> relabel (same cached rules) -> hash -> encode per shard;
 * - runner: the pipeline's zero-copy path on the main thread (no pool), to separate the two gains;
 * - pool: MetricsPipeline with 1 thread (its cost per push against the runner) and with its default
 *   threads, kept busy with 2 pushes in flight per thread.
 *
 * Each phase runs for a bounded time (BENCH_SECONDS, default 2). Run: `npm run bench -w @sluice/pipeline`.
 */
import { availableParallelism } from 'node:os'
import type { Label } from '@sluice/contracts'
import { compileRules, RelabelCache, type RelabelRule } from '@sluice/relabel'
import {
  decodeWriteRequest,
  encodeWriteRequest,
  hashLabels,
  resolveLimits,
  snappyDecode,
  snappyEncode,
  type TimeSeries,
} from '@sluice/wire'
import { MetricsPipeline, type PushJob, PushRunner, type StagePlan } from '../src/index.ts'

const SERIES = 2000
const SHARDS = 4
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const RULES: RelabelRule[] = [
  { source_labels: ['__name__'], regex: 'go_gc_debug_.*', action: 'drop' },
  { target_label: 'cluster', replacement: 'eu-west-1' },
]
const PLAN: StagePlan[] = [
  {
    kind: 'relabel',
    id: 'bench',
    cacheSize: 100_000,
    rules: RULES,
    next: [{ kind: 'sink', id: 'backend', shards: SHARDS, externalLabels: [], writeRelabel: [] }],
  },
]
const LIMITS = resolveLimits()

/** Label sets like a node_exporter + app fleet: 7 labels, a shared set of names. */
function requestSeries(request: number): TimeSeries[] {
  const out: TimeSeries[] = []
  for (let i = 0; i < SERIES; i++) {
    out.push({
      labels: [
        { name: '__name__', value: i % 50 === 0 ? 'go_gc_debug_pause' : `http_requests_total_${i % 40}` },
        { name: 'env', value: 'prod' },
        { name: 'instance', value: `10.0.${i % 16}.${i % 250}:9100` },
        { name: 'job', value: `service-${i % 12}` },
        { name: 'method', value: i % 2 === 0 ? 'GET' : 'POST' },
        { name: 'path', value: `/api/v1/resource/${i % 97}` },
        { name: 'status', value: String(200 + (i % 5)) },
      ],
      samples: [{ value: i * 1.5 + request, timestamp: 1_700_000_000_000 + request * 15_000 }],
      exemplars: [],
      histograms: [],
    })
  }
  return out
}

const BODIES = Array.from({ length: 8 }, (_, r) =>
  snappyEncode(encodeWriteRequest({ timeseries: requestSeries(r) })),
)
const SAMPLES_PER_REQUEST = SERIES

function baselineOnce(body: Uint8Array, relabel: RelabelCache): number {
  const req = decodeWriteRequest(snappyDecode(body, LIMITS.maxDecodedBytes))
  const shards: TimeSeries[][] = Array.from({ length: SHARDS }, () => [])
  for (const ts of req.timeseries) {
    const labels = relabel.process(ts.labels) as Label[] | null
    if (labels === null) continue
    shards[Number(hashLabels(labels) & 0xffffffffn) % SHARDS]!.push({ ...ts, labels })
  }
  let bytes = 0
  for (const timeseries of shards) bytes += encodeWriteRequest({ timeseries }).length
  return bytes
}

/** Rounds of phases; each phase gets SECONDS / ROUNDS per round, and its best round is reported. */
const ROUNDS = 4
const WINDOW_MS = (SECONDS * 1000) / ROUNDS

/** Samples per second of `run` over one window. */
function timed(run: () => void): number {
  let requests = 0
  const started = performance.now()
  const stop = started + WINDOW_MS
  while (performance.now() < stop) {
    run()
    requests++
  }
  return (requests * SAMPLES_PER_REQUEST) / ((performance.now() - started) / 1000)
}

function job(n: number): PushJob {
  // A fresh copy per push, as an HTTP body is: the pipeline moves it to the worker.
  return {
    body: BODIES[n % BODIES.length]!.slice(),
    encoding: 'snappy',
    protocol: 'v1',
    limits: LIMITS,
    plan: PLAN,
  }
}

/** A started and warmed pipeline: threads up, rules compiled, every thread's caches filled with every body. */
async function warmPool(threads: number): Promise<MetricsPipeline> {
  const pipeline = new MetricsPipeline({ threads, maxQueue: threads * BODIES.length })
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: threads * BODIES.length }, (_, i) => pipeline.push(job(i))))
  }
  return pipeline
}

/** Samples per second through `pipeline` over one window, with 2 pushes in flight per thread. */
async function poolWindow(pipeline: MetricsPipeline, threads: number): Promise<number> {
  let requests = 0
  let n = 0
  const started = performance.now()
  const stop = started + WINDOW_MS
  const lane = async (): Promise<void> => {
    while (performance.now() < stop) {
      await pipeline.push(job(n++))
      requests++
    }
  }
  await Promise.all(Array.from({ length: threads * 2 }, lane))
  return (requests * SAMPLES_PER_REQUEST) / ((performance.now() - started) / 1000)
}

const relabel = new RelabelCache(compileRules(RULES), { maxEntries: 100_000 })
let r = 0
for (let i = 0; i < 20; i++) baselineOnce(BODIES[i % BODIES.length]!, relabel)
const runner = new PushRunner()
let k = 0
for (let i = 0; i < 20; i++) runner.run(job(i))
const threads = availableParallelism()
const pool1 = await warmPool(1)
const poolN = await warmPool(threads)

// The phases alternate, so that load from other processes on a shared machine hits them alike.
let baseline = 0
let inline = 0
let one = 0
let many = 0
for (let round = 0; round < ROUNDS; round++) {
  baseline = Math.max(
    baseline,
    timed(() => baselineOnce(BODIES[r++ % BODIES.length]!, relabel)),
  )
  inline = Math.max(
    inline,
    timed(() => runner.run(job(k++))),
  )
  one = Math.max(one, await poolWindow(pool1, 1))
  many = Math.max(many, await poolWindow(poolN, threads))
}
await pool1.close()
await poolN.close()

const fmt = (v: number): string => `${(v / 1e6).toFixed(2)} M samples/s`
console.log(
  `requests: ${SERIES} series, snappy, 2 relabel rules, 1 sink x ${SHARDS} shards; ` +
    `${SECONDS}s per phase in ${ROUNDS} alternating rounds, best round shown`,
)
const ms = (v: number): string => `${((SAMPLES_PER_REQUEST / v) * 1000).toFixed(2)} ms/push`
const row = (name: string, v: number): void =>
  console.log(`${name.padEnd(36)} ${fmt(v)}  ${ms(v)}  x${(v / baseline).toFixed(2)}`)
row('baseline (protobufjs, 1 thread)', baseline)
row('pipeline runner (1 thread, no pool)', inline)
row('pipeline pool (1 thread)', one)
row(`pipeline pool (${threads} threads)`, many)
console.log(
  `pool cost per push on one thread: ${((1 / one - 1 / inline) * SAMPLES_PER_REQUEST * 1000).toFixed(2)} ms`,
)
