import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { decodeKey, decodeValue, encodeKey, encodeValue, MAX_SEQ } from '../src/keys.ts'

const shard = fc.integer({ min: 0, max: 0xffff })
const seq = fc.integer({ min: 0, max: MAX_SEQ })

test('key byte order equals (shard, seq) order, so LevelDB iterates in replay order', () => {
  fc.assert(
    fc.property(shard, seq, shard, seq, (s1, q1, s2, q2) => {
      const bytes = Math.sign(Buffer.compare(encodeKey(s1, q1), encodeKey(s2, q2)))
      const numeric = s1 !== s2 ? Math.sign(s1 - s2) : Math.sign(q1 - q2)
      assert.equal(bytes, numeric)
    }),
  )
})

test('keys decode to the shard and seq they were built from', () => {
  fc.assert(
    fc.property(shard, seq, (s, q) => {
      assert.deepEqual(decodeKey(encodeKey(s, q)), { shard: s, seq: q })
    }),
  )
})

test('values carry appendedAt, samples and the payload unchanged', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 48 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.uint8Array(),
      (appendedAt, samples, payload) => {
        const decoded = decodeValue(encodeValue(appendedAt, samples, payload))
        assert.equal(decoded.appendedAt, appendedAt)
        assert.equal(decoded.samples, samples)
        assert.deepEqual(new Uint8Array(decoded.payload), payload)
      },
    ),
  )
})
