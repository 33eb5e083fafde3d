import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeWriteRequest, formatLabelSet, snappyDecode } from '@sluice/wire'
import fc from 'fast-check'
import { buildRequest } from '../src/series.ts'

function decode(body: Uint8Array) {
  return decodeWriteRequest(snappyDecode(body, 1 << 26)).timeseries
}

test('consecutive requests carry distinct series, none seen in an earlier request', () => {
  const seen = new Set<string>()
  for (let k = 0; k < 5; k++) {
    const series = decode(buildRequest({ first: k * 300, count: 300, timestampMs: 1 }))
    assert.equal(series.length, 300)
    for (const s of series) {
      const key = formatLabelSet(s.labels)
      assert.ok(!seen.has(key), `series ${key} was already sent`)
      seen.add(key)
    }
  }
  assert.equal(seen.size, 1500)
})

test('a request is determined by its shape: same shape, same bytes; labels sorted, one sample per series', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e9 }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 3, max: 12 }),
      (first, count, labels) => {
        const shape = { first, count, labels, timestampMs: 1_700_000_000_000 }
        const body = buildRequest(shape)
        assert.deepEqual(buildRequest(shape), body)
        const series = decode(body)
        assert.equal(series.length, count)
        for (const s of series) {
          assert.equal(s.labels.length, labels)
          const names = s.labels.map((l) => l.name)
          assert.deepEqual(names, [...names].sort())
          assert.equal(s.samples.length, 1)
          assert.equal(s.samples[0]!.timestamp, shape.timestampMs)
        }
      },
    ),
    { numRuns: 50 },
  )
})

test("external labels are added to every series of a request, in sorted place, as an edge's are", () => {
  const externalLabels = [{ name: 'agent', value: 'edge-3' }]
  const plain = decode(buildRequest({ first: 0, count: 20, timestampMs: 1 }))
  const series = decode(buildRequest({ first: 0, count: 20, timestampMs: 1, externalLabels }))
  series.forEach((s, i) => {
    const names = s.labels.map((l) => l.name)
    assert.deepEqual(names, [...names].sort())
    assert.deepEqual(
      s.labels.filter((l) => l.name !== 'agent'),
      plain[i]!.labels,
    )
    assert.deepEqual(
      s.labels.find((l) => l.name === 'agent'),
      externalLabels[0],
    )
  })
})
