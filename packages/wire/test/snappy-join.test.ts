import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import fc from 'fast-check'
import { SnappyError, snappyDecode, snappyEncode, snappyJoin } from '../src/index.ts'

const snappyjs = createRequire(import.meta.url)('snappyjs') as {
  compress(b: Uint8Array): Uint8Array
  uncompress(b: Uint8Array): Uint8Array
}

/** Repetitive inputs, so the blocks are mostly copies, some reaching the start of their own block. */
const compressible = fc
  .array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 40 })), {
    maxLength: 12,
  })
  .map((runs) => {
    const parts: number[] = []
    for (const [bytes, times] of runs) for (let i = 0; i < times; i++) parts.push(...bytes)
    return Uint8Array.from(parts)
  })

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

test('joined blocks decode to the inputs concatenated, with our decoder and with snappyjs', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(compressible, fc.uint8Array({ maxLength: 300 })), { maxLength: 6 }),
      (raws) => {
        const joined = snappyJoin(raws.map((r) => snappyEncode(r)))
        const expected = concat(raws)
        assert.deepEqual(snappyDecode(joined), expected)
        assert.deepEqual(new Uint8Array(snappyjs.uncompress(joined)), expected)
      },
    ),
    { numRuns: 300 },
  )
})

test('blocks from another encoder (snappyjs) join as well', () => {
  fc.assert(
    fc.property(fc.array(compressible, { minLength: 2, maxLength: 5 }), (raws) => {
      const joined = snappyJoin(raws.map((r) => new Uint8Array(snappyjs.compress(r))))
      assert.deepEqual(snappyDecode(joined), concat(raws))
    }),
    { numRuns: 100 },
  )
})

test('a joined header past one varint byte boundary is written correctly (128-byte total from two blocks)', () => {
  const a = new Uint8Array(100).fill(7)
  const b = new Uint8Array(28).fill(9)
  const joined = snappyJoin([snappyEncode(a), snappyEncode(b)])
  assert.deepEqual([...joined.subarray(0, 2)], [0x80, 0x01])
  assert.deepEqual(snappyDecode(joined), concat([a, b]))
})

test('one block is returned as it is, without a copy', () => {
  const block = snappyEncode(new Uint8Array(50).fill(1))
  assert.equal(snappyJoin([block]), block)
})

test('a block with a malformed header is refused with a SnappyError', () => {
  const good = snappyEncode(new Uint8Array(10))
  assert.throws(() => snappyJoin([good, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)]), SnappyError)
})
