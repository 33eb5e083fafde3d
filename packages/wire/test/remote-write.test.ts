import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Label } from '@sluice/contracts'
import fc from 'fast-check'
import {
  DecodeError,
  decodeWriteRequest,
  decodeWriteV2,
  encodeWriteRequest,
  LimitError,
  MetricType,
  v2ToV1,
} from '../src/index.ts'
import { encodeWith, WriteRequestV2Type } from '../src/schemas.ts'
import { histogram, metadata, record, sample, timeSeries } from './arbitraries.ts'

test('remote-write 1.0 objects survive encode and decode unchanged', () => {
  fc.assert(
    fc.property(
      record({
        timeseries: fc.array(timeSeries, { maxLength: 6 }),
        metadata: fc.array(metadata, { maxLength: 3 }),
      }),
      (req) => {
        assert.deepEqual(decodeWriteRequest(encodeWriteRequest(req)), req)
      },
    ),
    { numRuns: 300 },
  )
})

test('decoding garbage as remote-write 1.0 gives a DecodeError', () => {
  assert.throws(() => decodeWriteRequest(Uint8Array.from([0x0a, 0xff, 0x01])), DecodeError)
})

/** A 2.0 request built from resolved series: interns every string into the symbols table. */
function toV2(
  series: Array<{
    labels: Label[]
    samples: Array<{ value: number; timestamp: number }>
    histograms: unknown[]
  }>,
) {
  const symbols = ['']
  const ref = (s: string): number => {
    let i = symbols.indexOf(s)
    if (i < 0) i = symbols.push(s) - 1
    return i
  }
  const timeseries = series.map((s) => ({
    labelsRefs: s.labels.flatMap((l) => [ref(l.name), ref(l.value)]),
    samples: s.samples,
    histograms: s.histograms,
    exemplars: [{ labelsRefs: [ref('trace_id'), ref('abc')], value: 1.5, timestamp: 7 }],
    metadata: { type: MetricType.COUNTER, helpRef: ref('help text'), unitRef: ref('seconds') },
    createdTimestamp: 12345,
  }))
  return { symbols, timeseries }
}

test('converting 2.0 to 1.0 preserves every series, sample, histogram and exemplar', () => {
  fc.assert(
    fc.property(
      fc.array(
        record({
          labels: timeSeries.map((t) => t.labels),
          samples: fc.array(sample, { maxLength: 3 }),
          histograms: fc.array(histogram, { maxLength: 1 }),
        }),
        { maxLength: 6 },
      ),
      (series) => {
        const v1 = decodeWriteRequest(v2ToV1(encodeWith(WriteRequestV2Type, toV2(series))))
        assert.equal(v1.timeseries.length, series.length)
        series.forEach((s, i) => {
          const ts = v1.timeseries[i]!
          assert.deepEqual(ts.labels, s.labels)
          assert.deepEqual(ts.samples, s.samples)
          assert.deepEqual(ts.histograms, s.histograms)
          assert.deepEqual(ts.exemplars, [
            { labels: [{ name: 'trace_id', value: 'abc' }], value: 1.5, timestamp: 7 },
          ])
        })
      },
    ),
    { numRuns: 200 },
  )
})

test('2.0 metadata becomes one 1.0 entry per metric family', () => {
  const bytes = encodeWith(
    WriteRequestV2Type,
    toV2([
      {
        labels: [{ name: '__name__', value: 'req_total' }],
        samples: [{ value: 1, timestamp: 1 }],
        histograms: [],
      },
      {
        labels: [
          { name: '__name__', value: 'req_total' },
          { name: 'code', value: '500' },
        ],
        samples: [{ value: 2, timestamp: 1 }],
        histograms: [],
      },
    ]),
  )
  assert.deepEqual(decodeWriteRequest(v2ToV1(bytes)).metadata, [
    { type: MetricType.COUNTER, metricFamilyName: 'req_total', help: 'help text', unit: 'seconds' },
  ])
  // The created timestamp is read but has no place in 1.0.
  assert.equal(decodeWriteV2(bytes).timeseries[0]!.createdTimestamp, 12345)
})

test('2.0 requests with dangling or odd symbol references are rejected', () => {
  const odd = encodeWith(WriteRequestV2Type, { symbols: ['', 'a'], timeseries: [{ labelsRefs: [1] }] })
  assert.throws(() => v2ToV1(odd), DecodeError)
  const dangling = encodeWith(WriteRequestV2Type, {
    symbols: ['', 'a'],
    timeseries: [{ labelsRefs: [1, 9] }],
  })
  assert.throws(() => v2ToV1(dangling), DecodeError)
  const emptyName = encodeWith(WriteRequestV2Type, {
    symbols: ['', 'a'],
    timeseries: [{ labelsRefs: [0, 1] }],
  })
  assert.throws(() => v2ToV1(emptyName), DecodeError)
})

test('2.0 requests are held to the same limits as 1.0', () => {
  const bytes = encodeWith(WriteRequestV2Type, {
    symbols: ['', 'a', 'bbbb'],
    timeseries: [{ labelsRefs: [1, 2] }, { labelsRefs: [1, 1] }],
  })
  assert.throws(
    () => v2ToV1(bytes, { maxSeries: 1 }),
    (e: unknown) => e instanceof LimitError && e.limit === 'maxSeries',
  )
  assert.throws(
    () => v2ToV1(bytes, { maxLabelValueBytes: 3 }),
    (e: unknown) => e instanceof LimitError && e.limit === 'maxLabelValueBytes',
  )
  const badUtf8 = Uint8Array.from([0x22, 0x01, 0xff])
  assert.throws(() => v2ToV1(badUtf8), DecodeError)
})
