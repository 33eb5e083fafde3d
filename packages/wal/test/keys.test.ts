import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { decodeKey, encodeKey, encodeValue, MAX_SEQ, seqBound } from '../src/keys.ts'

const shard = fc.integer({ min: 0, max: 0xffff })
const seq = fc.integer({ min: 0, max: MAX_SEQ })
const appendedAt = fc.double({ min: 0, max: 2 ** 48, noNaN: true })
const samples = fc.integer({ min: 0, max: 0xffffffff })

test('key byte order equals (shard, seq) order whatever the header fields, so LevelDB iterates in replay order', () => {
  fc.assert(
    fc.property(
      shard,
      seq,
      appendedAt,
      samples,
      shard,
      seq,
      appendedAt,
      samples,
      (s1, q1, a1, n1, s2, q2, a2, n2) => {
        fc.pre(s1 !== s2 || q1 !== q2)
        const bytes = Math.sign(Buffer.compare(encodeKey(s1, q1, a1, n1), encodeKey(s2, q2, a2, n2)))
        const numeric = s1 !== s2 ? Math.sign(s1 - s2) : Math.sign(q1 - q2)
        assert.equal(bytes, numeric)
      },
    ),
  )
})

test('keys decode to the shard, seq, append time and sample count they were built from', () => {
  fc.assert(
    fc.property(shard, seq, appendedAt, samples, (s, q, a, n) => {
      assert.deepEqual(decodeKey(encodeKey(s, q, a, n)), { shard: s, seq: q, appendedAt: a, samples: n })
    }),
  )
})

test('a seq bound sorts between the keys of seq - 1 and the keys of seq', () => {
  fc.assert(
    fc.property(shard, fc.integer({ min: 1, max: MAX_SEQ }), appendedAt, samples, (s, q, a, n) => {
      const bound = seqBound(s, q)
      assert.equal(Buffer.compare(encodeKey(s, q - 1, a, n), bound), -1)
      assert.equal(Buffer.compare(bound, encodeKey(s, q, a, n)), -1)
    }),
  )
})

test('a value is the payload itself, sharing its memory', () => {
  const payload = new Uint8Array([1, 2, 3, 4]).subarray(1, 3)
  const value = encodeValue(payload)
  assert.deepEqual([...value], [2, 3])
  payload[0] = 9
  assert.equal(value[0], 9)
})
