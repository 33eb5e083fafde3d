import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { computeScrapeOffsetMs, nextScrapeTimeMs } from '../src/index.ts'

test('offsets are deterministic, inside the interval, and change with the seed', () => {
  const a = computeScrapeOffsetMs('target-a', 15_000)
  assert.equal(computeScrapeOffsetMs('target-a', 15_000), a)
  assert.ok(a >= 0 && a < 15_000)
  const seeded = Array.from({ length: 20 }, (_, i) => computeScrapeOffsetMs(`t${i}`, 15_000, 'node-1'))
  const plain = Array.from({ length: 20 }, (_, i) => computeScrapeOffsetMs(`t${i}`, 15_000))
  assert.notDeepEqual(seeded, plain)
})

test('offsets spread many targets over the whole interval', () => {
  const buckets = new Array<number>(10).fill(0)
  for (let i = 0; i < 1000; i++)
    buckets[Math.floor(computeScrapeOffsetMs(`10.0.${i >> 8}.${i & 255}:9100`, 1000) / 100)]!++
  // 1000 uniform draws into 10 buckets: each holds about 100; 60..140 is far outside chance.
  for (const n of buckets) assert.ok(n > 60 && n < 140, `bucket sizes ${buckets.join(',')}`)
})

test('the next scrape time is the first instant at or after now with the target offset', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 45 }),
      fc.integer({ min: 1, max: 3_600_000 }),
      fc.nat(),
      (now, interval, o) => {
        const offset = o % interval
        const next = nextScrapeTimeMs(now, interval, offset)
        assert.equal(next % interval, offset)
        assert.ok(next >= now && next < now + interval)
      },
    ),
  )
})
