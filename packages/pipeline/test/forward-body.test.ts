import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { decodeForwardBody, encodeForwardBody, ForwardBodyError, ForwardPart } from '../src/index.ts'

const arbPart = fc
  .record({
    sinkId: fc.string({ maxLength: 40 }),
    shards: fc.integer({ min: 1, max: 64 }),
    payload: fc.uint8Array({ maxLength: 300 }),
    series: fc.nat(),
    samples: fc.nat(),
  })
  .chain((p) =>
    fc
      .integer({ min: 0, max: p.shards - 1 })
      .map((shard) => new ForwardPart(p.sinkId, shard, p.shards, p.payload, p.series, p.samples)),
  )

const plain = (parts: ForwardPart[]) => parts.map((p) => ({ ...p, payload: [...p.payload] }))

describe('forward body', () => {
  it('gives back every part it framed, in order', () => {
    fc.assert(
      fc.property(fc.array(arbPart, { minLength: 1, maxLength: 6 }), (parts) => {
        assert.deepEqual(plain(decodeForwardBody(encodeForwardBody(parts))), plain(parts))
      }),
    )
  })

  it('refuses with 400 every truncation of a valid body', () => {
    const body = encodeForwardBody([
      new ForwardPart('rw/a', 1, 2, new Uint8Array([1, 2, 3]), 1, 1),
      new ForwardPart('rw/b', 0, 1, new Uint8Array([4, 5]), 1, 1),
    ])
    // Cutting at a part boundary leaves a valid shorter body; every other cut is malformed.
    const boundary = 1 + 2 + 4 + 20 + 3
    for (let cut = 0; cut < body.length; cut++) {
      if (cut === boundary) continue
      assert.throws(
        () => decodeForwardBody(body.subarray(0, cut)),
        (err: unknown) => err instanceof ForwardBodyError && err.status === 400,
        `cut at ${cut}`,
      )
    }
    assert.equal(decodeForwardBody(body.subarray(0, boundary)).length, 1)
  })

  it('refuses another framing version, a shard outside its count and a sink id that is not UTF-8', () => {
    const good = encodeForwardBody([new ForwardPart('s', 0, 1, new Uint8Array([9]), 1, 1)])
    const version = good.slice()
    version[0] = 2
    assert.throws(() => decodeForwardBody(version), /version 2/)
    const shard = good.slice()
    shard[1 + 2 + 1 + 3] = 1 // shard 1 of 1
    assert.throws(() => decodeForwardBody(shard), /shard 1 of 1/)
    const id = good.slice()
    id[3] = 0xff
    assert.throws(() => decodeForwardBody(id), /not UTF-8/)
  })
})
