import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type PushJob, PushOutput, PushResult } from '@sluice/pipeline'
import { deliver, type NodeServices, pushAndDeliver, type ShardSink } from '../src/services.ts'

/** A sink whose shard count can change, recording what it was asked to append. */
function sink(shards: { count: number }, appended: string[]): ShardSink {
  return {
    get shards() {
      return shards.count
    },
    appendShards: async (records) => {
      for (const { shard, payload } of records) appended.push(`${shard}:${payload[0]}`)
    },
  }
}

const out = (sinkId: string, shard: number, shards: number, byte: number) =>
  new PushOutput(sinkId, shard, shards, new Uint8Array([byte]), 1, 1)

function services(sinks: Map<string, ShardSink>): NodeServices {
  return { sinks, mains: new Map(), cluster: undefined } as unknown as NodeServices
}

describe('deliver', () => {
  it('appends each sink its records in one call, in the order the pipeline produced them', async () => {
    const a: string[] = []
    const b: string[] = []
    const node = services(
      new Map([
        ['a', sink({ count: 2 }, a)],
        ['b', sink({ count: 1 }, b)],
      ]),
    )
    await deliver(
      node,
      new PushResult([out('a', 1, 2, 7), out('b', 0, 1, 8), out('a', 0, 2, 9)], [], [], 3, 3, 0),
      undefined,
      'c',
    )
    assert.deepEqual(a, ['1:7', '0:9'])
    assert.deepEqual(b, ['0:8'])
  })

  it('refuses a push split for a shard count its sink no longer has, and appends none of it', async () => {
    const a: string[] = []
    const b: string[] = []
    const count = { count: 2 }
    const node = services(
      new Map([
        ['b', sink({ count: 1 }, b)],
        ['a', sink(count, a)],
      ]),
    )
    count.count = 4
    await assert.rejects(
      deliver(node, new PushResult([out('b', 0, 1, 1), out('a', 1, 2, 2)], [], [], 2, 2, 0), undefined, 'c'),
      { code: 'SLUICE_ERR_RESHARDED', status: 503 },
    )
    assert.deepEqual([...a, ...b], [])
  })
})

describe('pushAndDeliver', () => {
  /** A pipeline that splits for whatever count the sink has when the push starts, and then grows it. */
  function racing(count: { count: number }, growTo: number[]) {
    const jobs: number[] = []
    const pipeline = {
      push: async (job: PushJob) => {
        jobs.push(job.body[0]!)
        const shards = count.count
        count.count = growTo.shift() ?? count.count
        return new PushResult([out('a', 0, shards, job.body[0]!)], [], [], 1, 1, 0)
      },
    }
    return { jobs, pipeline }
  }

  it('splits a push again when its sink changed its shard count meanwhile, appending it once', async () => {
    const appended: string[] = []
    const count = { count: 1 }
    const { jobs, pipeline } = racing(count, [2])
    const node = { ...services(new Map([['a', sink(count, appended)]])), pipeline } as unknown as NodeServices
    let built = 0
    const job = (): PushJob =>
      ({
        body: new Uint8Array([++built]),
        encoding: 'identity',
        protocol: 'v1',
        plan: [],
      }) as unknown as PushJob
    await pushAndDeliver(node, job, 'c')
    assert.deepEqual(jobs, [1, 2], 'the job was built and run again')
    assert.deepEqual(appended, ['0:2'])
  })

  it('gives up after three attempts, with the resharding error', async () => {
    const appended: string[] = []
    const count = { count: 1 }
    const { jobs, pipeline } = racing(count, [2, 4, 8])
    const node = { ...services(new Map([['a', sink(count, appended)]])), pipeline } as unknown as NodeServices
    const job = (): PushJob => ({ body: new Uint8Array([jobs.length]) }) as unknown as PushJob
    await assert.rejects(pushAndDeliver(node, job, 'c'), { code: 'SLUICE_ERR_RESHARDED' })
    assert.equal(jobs.length, 3)
    assert.deepEqual(appended, [])
  })
})
