import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { sameLabels, seriesHash, seriesKey } from '../src/index.ts'
import { labelsOf } from './helpers.ts'

const labelSet = fc
  .dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), fc.string({ maxLength: 12 }), { maxKeys: 5 })
  .map(labelsOf)

test('equal label sets get equal hashes and keys; different ones get different keys', () => {
  fc.assert(
    fc.property(labelSet, labelSet, (x, y) => {
      const copy = x.map((l) => ({ ...l }))
      assert.equal(seriesHash(copy), seriesHash(x))
      assert.equal(seriesKey(copy), seriesKey(x))
      assert.equal(seriesKey(x) === seriesKey(y), sameLabels(x, y))
    }),
  )
})

test('hashes of many similar label sets do not collide, and moving a character changes the hash', () => {
  const seen = new Set<number>()
  for (let i = 0; i < 50_000; i++)
    seen.add(seriesHash(labelsOf({ __name__: 'http_requests_total', path: `/api/${i}` })))
  assert.equal(seen.size, 50_000)
  assert.notEqual(seriesHash(labelsOf({ a: 'bc' })), seriesHash(labelsOf({ ab: 'c' })))
  assert.ok(Number.isSafeInteger(seriesHash(labelsOf({ a: 'b' }))))
})
