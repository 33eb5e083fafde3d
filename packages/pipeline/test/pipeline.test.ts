import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { isSluiceError } from '@sluice/contracts'
import { Registry } from '@sluice/telemetry'
import { snappyEncode } from '@sluice/wire'
import {
  MetricsPipeline,
  PipelineBusyError,
  PipelineClosedError,
  type PushJob,
  PushOutput,
  PushResult,
  type StagePlan,
} from '../src/index.ts'
import { encode, keys, LIMITS, makeSeries } from './fixtures.ts'

const PLAN: StagePlan[] = [
  {
    kind: 'relabel',
    id: 'r',
    cacheSize: 100,
    rules: [{ source_labels: ['job'], regex: 'job_0', action: 'drop' }],
    next: [{ kind: 'sink', id: 's', shards: 2, externalLabels: [], writeRelabel: [] }],
  },
  { kind: 'main', id: 'debug' },
]

function snappyJob(count: number, extra: Partial<PushJob> = {}): PushJob {
  return {
    body: snappyEncode(encode(makeSeries(count))),
    encoding: 'snappy',
    protocol: 'v1',
    limits: LIMITS,
    plan: PLAN,
    ...extra,
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  assert.fail('expected a rejection')
}

describe('MetricsPipeline', () => {
  const registry = new Registry()
  let pipeline: MetricsPipeline
  before(() => {
    pipeline = new MetricsPipeline({ threads: 1, registry })
  })
  after(() => pipeline.close())

  it('hands a block that two sinks take whole back once, to both', async () => {
    const plan: StagePlan[] = ['a', 'b'].map((id) => ({
      kind: 'sink',
      id,
      shards: 1,
      externalLabels: [],
      writeRelabel: [],
    }))
    const body = snappyEncode(encode(makeSeries(10)))
    const copy = body.slice()
    const result = await pipeline.push(snappyJob(10, { body, plan }))
    assert.deepEqual(
      result.local.map((o) => o.sinkId),
      ['a', 'b'],
    )
    for (const out of result.local) assert.deepEqual(out.payload, copy)
    assert.equal(result.local[0]!.payload.buffer, result.local[1]!.payload.buffer)
  })

  it('runs a snappy push on a worker and returns typed outputs with their own buffers', async () => {
    const result = await pipeline.push(snappyJob(30))
    assert.ok(result instanceof PushResult)
    assert.ok(result.local.every((o) => o instanceof PushOutput))
    assert.equal(result.seriesIn, 30)
    assert.equal(result.droppedByRelabel, 10)
    assert.equal(
      result.local.reduce((n, o) => n + o.series, 0),
      20,
    )
    assert.equal(keys(result.main[0]!.payload).length, 30)
    const buffers = [...result.local, ...result.main].map((o) => o.payload.buffer)
    assert.equal(new Set(buffers).size, buffers.length)
    for (const o of result.local) assert.equal(o.payload.byteLength, o.payload.buffer.byteLength)
  })

  it('moves a body that owns its buffer to the worker and copies one that shares it', async () => {
    const owned = snappyJob(3)
    await pipeline.push(owned)
    assert.equal(owned.body.byteLength, 0, 'detached by the transfer')

    const bytes = snappyEncode(encode(makeSeries(3)))
    const shared = new Uint8Array(bytes.length + 8)
    shared.set(bytes, 4)
    const view = shared.subarray(4, 4 + bytes.length)
    const result = await pipeline.push(snappyJob(3, { body: view }))
    assert.equal(result.seriesIn, 3)
    assert.equal(view.byteLength, bytes.length, 'a view into a larger buffer is left alone')
  })

  it('rejects a malformed snappy body with 400', async () => {
    const err = await rejection(pipeline.push(snappyJob(0, { body: new Uint8Array([5, 0xff, 0xff]) })))
    assert.ok(isSluiceError(err, 'SLUICE_ERR_SNAPPY'))
    assert.equal(err.status, 400)
  })

  it('rejects a body that is not a WriteRequest with 400', async () => {
    const err = await rejection(
      pipeline.push(snappyJob(0, { encoding: 'identity', body: new Uint8Array([0x0a, 0x05, 0x01]) })),
    )
    assert.ok(isSluiceError(err, 'SLUICE_ERR_DECODE'))
    assert.equal(err.status, 400)
  })

  it('rejects a body that decodes past maxDecodedBytes with 413', async () => {
    const err = await rejection(pipeline.push(snappyJob(50, { limits: { ...LIMITS, maxDecodedBytes: 100 } })))
    assert.ok(isSluiceError(err, 'SLUICE_ERR_DECODED_TOO_LARGE'))
    assert.equal(err.status, 413)
  })

  it('rejects an identity body longer than maxDecodedBytes with 413', async () => {
    const job = snappyJob(0, { encoding: 'identity', body: encode(makeSeries(50)) })
    const err = await rejection(pipeline.push({ ...job, limits: { ...LIMITS, maxDecodedBytes: 100 } }))
    assert.ok(isSluiceError(err, 'SLUICE_ERR_DECODED_TOO_LARGE'))
  })

  it('rejects a push over the series limit with 413', async () => {
    const err = await rejection(pipeline.push(snappyJob(20, { limits: { ...LIMITS, maxSeries: 5 } })))
    assert.ok(isSluiceError(err, 'SLUICE_ERR_TOO_MANY_SERIES'))
    assert.equal(err.status, 413)
  })

  it('counts tasks by result and exposes its threads, the queue depth and utilization', async () => {
    const text = await registry.metrics()
    assert.match(text, /sluice_pipeline_threads 1\n/)
    assert.match(text, /sluice_pipeline_tasks_total\{result="ok"\} [1-9]/)
    assert.match(text, /sluice_pipeline_tasks_total\{result="rejected"\} 5/)
    assert.match(text, /sluice_pipeline_queue_depth 0/)
    assert.match(text, /sluice_pipeline_utilization /)
    assert.match(text, /sluice_pipeline_task_duration_seconds_count [1-9]/)
  })
})

describe('MetricsPipeline back-pressure', () => {
  it('refuses pushes beyond a full queue with 429 and completes the ones it took', async () => {
    const pipeline = new MetricsPipeline({ threads: 1, maxQueue: 1 })
    try {
      const pushes = Array.from({ length: 8 }, () => pipeline.push(snappyJob(2000)))
      const settled = await Promise.allSettled(pushes)
      const busy = settled.filter(
        (s) => s.status === 'rejected' && s.reason instanceof PipelineBusyError && s.reason.status === 429,
      )
      const done = settled.filter((s) => s.status === 'fulfilled')
      assert.equal(busy.length + done.length, 8)
      assert.ok(busy.length >= 1, 'some pushes were refused')
      // Two sent to the thread (concurrentTasksPerWorker), one queued.
      assert.ok(
        done.length >= 1 && done.length <= 3,
        `at most two on the thread and one queued, got ${done.length}`,
      )
    } finally {
      await pipeline.close()
    }
  })

  it('refuses pushes after close with 503', async () => {
    const pipeline = new MetricsPipeline({ threads: 1 })
    await pipeline.close()
    const err = await rejection(pipeline.push(snappyJob(1)))
    assert.ok(err instanceof PipelineClosedError)
    assert.equal(err.status, 503)
  })
})
