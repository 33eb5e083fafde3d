import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import fc from 'fast-check'
import { LimitError, SnappyError, snappyDecode, snappyDecodedLength, snappyEncode } from '../src/index.ts'

const snappyjs = createRequire(import.meta.url)('snappyjs') as { uncompress(b: Uint8Array): Uint8Array }

/** Inputs with repetition, so that compressed blocks use copies (overlapping ones too), not only literals. */
const compressible = fc
  .array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 50 })), {
    maxLength: 30,
  })
  .map((runs) => {
    const parts: number[] = []
    for (const [bytes, times] of runs) for (let i = 0; i < times; i++) parts.push(...bytes)
    return Uint8Array.from(parts)
  })

test('snappy decode inverts encode for arbitrary and repetitive inputs', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), compressible), (raw) => {
      const block = snappyEncode(raw)
      assert.deepEqual(snappyDecode(block), raw)
      assert.equal(snappyDecodedLength(block), raw.length)
    }),
    { numRuns: 300 },
  )
})

test('snappy decode agrees with the snappyjs reference decoder', () => {
  fc.assert(
    fc.property(compressible, (raw) => {
      const block = snappyEncode(raw)
      assert.deepEqual(snappyDecode(block), new Uint8Array(snappyjs.uncompress(block)))
    }),
    { numRuns: 100 },
  )
})

test('a declared length over the cap is refused from the header, before allocating', () => {
  // 4 GiB - 1 declared: allocating it would throw a RangeError, not the typed 413.
  const block = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])
  assert.throws(
    () => snappyDecode(block, 1024),
    (e: unknown) => e instanceof LimitError && e.status === 413 && e.code === 'SLUICE_ERR_DECODED_TOO_LARGE',
  )
  const ok = snappyEncode(new Uint8Array(2048))
  assert.throws(() => snappyDecode(ok, 2047), LimitError)
  assert.equal(snappyDecode(ok, 2048).length, 2048)
})

test('every truncation of a valid block is a SnappyError', () => {
  const raw = new TextEncoder().encode('abcabcabcabc hello hello hello world '.repeat(20))
  const block = snappyEncode(raw)
  for (let cut = 0; cut < block.length; cut++) {
    assert.throws(
      () => snappyDecode(block.subarray(0, cut)),
      (e: unknown) => e instanceof SnappyError && e.status === 400 && e.code === 'SLUICE_ERR_SNAPPY',
      `cut at ${cut}`,
    )
  }
})

test('random bytes either decode or fail with a typed error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        snappyDecode(bytes, 1 << 16)
      } catch (e) {
        assert.ok(e instanceof SnappyError || e instanceof LimitError, String(e))
      }
    }),
    { numRuns: 2000 },
  )
})
