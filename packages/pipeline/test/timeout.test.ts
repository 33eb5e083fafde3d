import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from '@sluice/telemetry'
import { snappyEncode } from '@sluice/wire'
import {
  MetricsPipeline,
  PipelineTaskError,
  PipelineTimeoutError,
  type PushJob,
  type StagePlan,
} from '../src/index.ts'
import { encode, LIMITS, makeSeries } from './fixtures.ts'

/** `(a+)+b` backtracks exponentially on a run of `a` with no `b`: 2^40 paths never finish. */
const PLAN: StagePlan[] = [
  {
    kind: 'relabel',
    id: 'evil',
    cacheSize: 100,
    rules: [{ source_labels: ['instance'], regex: '(a+)+b', action: 'drop' }],
    next: [{ kind: 'sink', id: 's', shards: 1, externalLabels: [], writeRelabel: [] }],
  },
]

function job(instance: string): PushJob {
  const series = makeSeries(3)
  series[1]!.labels[1]!.value = instance
  return {
    body: snappyEncode(encode(series)),
    encoding: 'snappy',
    protocol: 'v1',
    limits: LIMITS,
    plan: PLAN,
  }
}

const EVIL = 'a'.repeat(40)

describe('MetricsPipeline task deadline', () => {
  it('aborts a push whose relabel regex backtracks past taskTimeoutMs, with 400, and keeps serving', async () => {
    const registry = new Registry()
    const pipeline = new MetricsPipeline({ threads: 1, taskTimeoutMs: 300, registry })
    try {
      await pipeline.push(job('host-ok')) // thread started and warm
      const started = performance.now()
      const err = await pipeline.push(job(EVIL)).then(
        () => assert.fail('the pathological push resolved'),
        (e: unknown) => e,
      )
      const took = performance.now() - started
      assert.ok(err instanceof PipelineTimeoutError)
      assert.equal(err.code, 'SLUICE_ERR_PIPELINE_TIMEOUT')
      assert.equal(err.status, 400)
      assert.ok(took >= 300 && took < 3000, `rejected after ${took} ms`)
      // The terminated thread was replaced: the next push runs.
      const result = await pipeline.push(job('host-ok'))
      assert.equal(result.seriesIn, 3)
      assert.match(await registry.metrics(), /sluice_pipeline_tasks_total\{result="timeout"\} 1/)
    } finally {
      await pipeline.close()
    }
  })

  it('counts only the time a push runs, not its wait in the queue', async () => {
    const pipeline = new MetricsPipeline({ threads: 1, taskTimeoutMs: 300 })
    try {
      await pipeline.push(job('host-ok'))
      const evil = pipeline.push(job(EVIL))
      // Sent ahead to the same thread: it dies with the thread (a retryable 500).
      const ahead = pipeline.push(job('host-ok'))
      // Queued: it waits more than the deadline for a thread, then runs on the replacement.
      const queuedAt = performance.now()
      const queued = pipeline.push(job('host-ok'))
      const [e, a, q] = await Promise.allSettled([evil, ahead, queued])
      assert.ok(e.status === 'rejected' && e.reason instanceof PipelineTimeoutError)
      assert.ok(a.status === 'rejected' && a.reason instanceof PipelineTaskError && a.reason.status === 500)
      assert.ok(q.status === 'fulfilled', `queued push failed: ${q.status === 'rejected' ? q.reason : ''}`)
      assert.equal(q.value.seriesIn, 3)
      assert.ok(performance.now() - queuedAt >= 300, 'the queued push waited past the deadline')
    } finally {
      await pipeline.close()
    }
  })
})
