import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PushOutput, PushResult } from '@sluice/pipeline'
import { deliver, type NodeServices, type ShardSink } from '../src/services.ts'

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
