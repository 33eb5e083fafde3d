import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { Backoff } from '../src/backoff.ts'

test('backoff delays stay within [min, max] whatever the jitter', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 0, max: 100_000 }),
      fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
        minLength: 1,
        maxLength: 40,
      }),
      (min, extra, draws) => {
        const max = min + extra
        let i = 0
        const backoff = new Backoff(min, max, () => draws[i++ % draws.length]!)
        for (let n = 0; n < draws.length; n++) {
          const delay = backoff.next()
          assert.ok(delay >= min && delay <= max, `${delay} not in [${min}, ${max}]`)
        }
      },
    ),
  )
})

test('backoff doubles from min up to max', () => {
  const top = new Backoff(30, 5000, () => 1)
  assert.deepEqual(
    Array.from({ length: 10 }, () => top.next()),
    [30, 60, 120, 240, 480, 960, 1920, 3840, 5000, 5000],
  )
  const bottom = new Backoff(30, 5000, () => 0)
  assert.deepEqual(
    Array.from({ length: 4 }, () => bottom.next()),
    [30, 30, 60, 120],
  )
})
