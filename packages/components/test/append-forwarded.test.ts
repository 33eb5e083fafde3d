import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ForwardPart } from '@sluice/pipeline'
import { appendForwarded, type ShardSink } from '../src/services.ts'

/** A sink that records what it was asked to append. */
function recorder(shards: number, appended: string[]): ShardSink {
  return {
    shards,
    appendShards: async (records) => {
      for (const { shard, payload } of records) appended.push(`${shard}:${[...payload].join(',')}`)
    },
  }
}

const part = (sinkId: string, shard: number, shards: number, byte: number) =>
  new ForwardPart(sinkId, shard, shards, new Uint8Array([byte]), 1, 1)

describe('appendForwarded', () => {
  it('appends each record, as it is, to its sink and shard', async () => {
    const a: string[] = []
    const b: string[] = []
    const sinks = new Map([
      ['a', recorder(2, a)],
      ['b', recorder(1, b)],
    ])
    await appendForwarded(sinks, [part('a', 1, 2, 7), part('b', 0, 1, 8), part('a', 0, 2, 9)])
    assert.deepEqual(a, ['1:7', '0:9'])
    assert.deepEqual(b, ['0:8'])
  })

  it('appends nothing when one record is for a missing sink or another shard count', async () => {
    const a: string[] = []
    const sinks = new Map([['a', recorder(2, a)]])
    await assert.rejects(appendForwarded(sinks, [part('a', 0, 2, 1), part('gone', 0, 1, 2)]), {
      code: 'SLUICE_ERR_SINK_GONE',
      status: 503,
    })
    await assert.rejects(appendForwarded(sinks, [part('a', 0, 2, 1), part('a', 0, 4, 2)]), {
      code: 'SLUICE_ERR_FORWARD_SHARDS',
      status: 503,
    })
    assert.deepEqual(a, [])
  })
})
