import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { encodeSeries, hashLabels, splitWriteRequest } from '../src/index.ts'
import { labelSet } from './arbitraries.ts'

test('the splitter and hashLabels give the same hash for the same labels', () => {
  fc.assert(
    fc.property(fc.array(labelSet, { minLength: 1, maxLength: 10 }), (sets) => {
      const buf = encodeSeries(sets.map((labels) => ({ labels, samples: [{ value: 1, timestampMs: 1 }] })))
      const index = splitWriteRequest(buf)
      assert.equal(index.count, sets.length)
      sets.forEach((labels, i) => {
        assert.equal(index.hash(i), hashLabels(labels))
      })
    }),
    { numRuns: 500 },
  )
})

test('moving bytes between name and value or between labels changes the hash', () => {
  const h = (pairs: Array<[string, string]>) => hashLabels(pairs.map(([name, value]) => ({ name, value })))
  const variants = [
    h([['a', 'bc']]),
    h([['ab', 'c']]),
    h([['abc', '']]),
    h([
      ['a', 'b'],
      ['c', ''],
    ]),
    h([
      ['a', ''],
      ['b', 'c'],
    ]),
  ]
  assert.equal(new Set(variants).size, variants.length)
})

test('the label hash is stable across releases (ownership depends on every node agreeing)', () => {
  // Golden values: if this fails, the hash changed and every series would move to a new owner.
  assert.equal(hashLabels([]), 1074302519936196286n)
  assert.equal(
    hashLabels([
      { name: '__name__', value: 'up' },
      { name: 'job', value: 'node' },
    ]),
    2135464708298556387n,
  )
})

test('hashes of similar series spread evenly over owners', () => {
  const owners = [0, 0, 0]
  for (let i = 0; i < 3000; i++) {
    const lo = Number(hashLabels([{ name: 'instance', value: `host-${i}:9100` }]) & 0xffffffffn)
    owners[lo % 3]!++
  }
  for (const n of owners) assert.ok(n > 900 && n < 1100, `uneven spread ${owners}`)
})

test('64-bit hashes of 50 000 distinct label sets do not collide', () => {
  const seen = new Set<bigint>()
  for (let i = 0; i < 50_000; i++) seen.add(hashLabels([{ name: 'series', value: String(i) }]))
  assert.equal(seen.size, 50_000)
})
