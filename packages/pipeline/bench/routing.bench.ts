/**
 * What a cluster member's worker must do to a push, against what a single node's does, on the request
 * the cluster bench sends (`bench/cluster-overhead.ts`: 2000 series of 8 labels, 1 sample each, as
 * `@sluice/loadgen` builds them). The floor under the cluster's cost per sample:
 *
 * - one node, 1 shard: the push is decoded and checked, and stored as the snappy block it arrived in;
 * - one node, 3 shards: every series hashed, the push split three ways, three blocks compressed;
 * - cluster member (3 ready members, 1 shard): every series hashed and routed to its owner, three
 *   blocks compressed (one kept, two forwarded);
 * - the same member owning series by key (`shard_by_labels = ["job"]`, one value in the whole push,
 *   as when the key is an edge's external label): the push goes whole to one owner, as received;
 * - the stages alone: snappy decode, the split with and without label hashes, and compressing the
 *   whole decoded request once.
 *
 * Each phase runs in alternating rounds (BENCH_SECONDS in all, default 4); the best round is shown,
 * in microseconds per push and as a ratio to the single node on 1 shard.
 * Run: `npm run bench -w @sluice/pipeline`.
 */
import { OwnershipTable } from '@sluice/cluster'
import { buildRequest } from '@sluice/loadgen'
import { resolveLimits, snappyDecode, snappyEncode, splitWriteRequest } from '@sluice/wire'
import { type PushJob, PushRunner, type StagePlan } from '../src/index.ts'

const SERIES = 2000
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)
const ROUNDS = 4
const LIMITS = resolveLimits()
const BODY = buildRequest({ first: 0, count: SERIES, timestampMs: 1_700_000_000_000 })
const DECODED = snappyDecode(BODY, LIMITS.maxDecodedBytes)
const TABLE = new OwnershipTable(
  [0, 1, 2].map((i) => ({ id: `member-${i}`, name: `node-${i}`, dataUrl: `http://127.0.0.${i + 1}:12345` })),
).toPlain()

function job(shards: number, clustered: boolean, keyLabels?: string[]): PushJob {
  const plan: StagePlan[] = [{ kind: 'sink', id: 'backend', shards, externalLabels: [], writeRelabel: [] }]
  return {
    body: BODY,
    encoding: 'snappy',
    protocol: 'v1',
    limits: LIMITS,
    plan,
    ...(clustered ? { ownership: { table: TABLE, selfIndex: 0, ...(keyLabels ? { keyLabels } : {}) } } : {}),
  }
}

const runner = new PushRunner()
const phases: [string, () => unknown][] = [
  ['one node, 1 shard (block stored as received)', () => runner.run(job(1, false))],
  ['one node, 3 shards', () => runner.run(job(3, false))],
  ['cluster member of 3, 1 shard', () => runner.run(job(1, true))],
  ['member of 3, owners by key (one key a push)', () => runner.run(job(1, true, ['job']))],
  ['stage: snappy decode', () => snappyDecode(BODY, LIMITS.maxDecodedBytes)],
  ['stage: split, no label hashes', () => splitWriteRequest(DECODED, LIMITS, { hashes: false })],
  ['stage: split with label hashes', () => splitWriteRequest(DECODED, LIMITS, { hashes: true })],
  ['stage: compress the decoded request once', () => snappyEncode(DECODED)],
]

/** Microseconds per call of `run` over one window. */
function window(run: () => unknown, ms: number): number {
  let calls = 0
  const started = performance.now()
  const stop = started + ms
  while (performance.now() < stop) {
    run()
    calls++
  }
  return ((performance.now() - started) * 1000) / calls
}

for (const [, run] of phases) window(run, 100)
const best = phases.map(() => Number.POSITIVE_INFINITY)
const windowMs = (SECONDS * 1000) / ROUNDS / phases.length
for (let round = 0; round < ROUNDS; round++) {
  phases.forEach(([, run], i) => {
    best[i] = Math.min(best[i]!, window(run, windowMs))
  })
}

console.log(
  `request: ${SERIES} series x 8 labels, ${DECODED.length} B decoded, ${BODY.length} B snappy; ` +
    `${ROUNDS} alternating rounds, best shown`,
)
phases.forEach(([name], i) => {
  const us = best[i]!
  console.log(`${name.padEnd(44)} ${us.toFixed(0).padStart(6)} us/push  x${(us / best[0]!).toFixed(2)}`)
})
