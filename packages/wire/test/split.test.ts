import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  buildWriteRequest,
  DecodeError,
  decodeWriteRequest,
  encodeSeries,
  encodeWriteRequest,
  hashLabels,
  isStaleNaN,
  LimitError,
  readSeriesLabels,
  rewriteSeriesLabels,
  STALE_NAN,
  splitWriteRequest,
  WriteRequestBuilder,
} from '../src/index.ts'
import { labelSet, metadata, record, timeSeries, timestamp } from './arbitraries.ts'

const writeRequest = record({
  timeseries: fc.array(timeSeries, { maxLength: 12 }),
  metadata: fc.array(metadata, { maxLength: 3 }),
})

test('splitting and rebuilding every series and the metadata reproduces the request byte for byte', () => {
  fc.assert(
    fc.property(writeRequest, (req) => {
      const buf = encodeWriteRequest(req)
      const index = splitWriteRequest(buf)
      assert.equal(index.count, req.timeseries.length)
      assert.equal(index.metadataCount, req.metadata.length)
      const all = Array.from({ length: index.count }, (_, i) => i)
      assert.deepEqual(buildWriteRequest(buf, index, all, true), buf)
      req.timeseries.forEach((ts, i) => {
        assert.equal(index.samples[i], ts.samples.length + ts.histograms.length)
        assert.deepEqual(readSeriesLabels(buf, index.starts[i]!, index.ends[i]!), ts.labels)
        assert.equal(index.hash(i), hashLabels(ts.labels))
      })
    }),
    { numRuns: 300 },
  )
})

test('a request built from selected series decodes to exactly those series, in the order selected', () => {
  fc.assert(
    fc.property(
      writeRequest.chain((req) =>
        fc.tuple(
          fc.constant(req),
          fc.array(fc.nat(Math.max(0, req.timeseries.length - 1)), { maxLength: req.timeseries.length }),
        ),
      ),
      ([req, picks]) => {
        const selected = req.timeseries.length === 0 ? [] : picks
        const buf = encodeWriteRequest(req)
        const out = decodeWriteRequest(
          buildWriteRequest(buf, splitWriteRequest(buf), Uint32Array.from(selected)),
        )
        assert.deepEqual(
          out.timeseries,
          selected.map((i) => decodeWriteRequest(buf).timeseries[i]),
        )
        assert.deepEqual(out.metadata, [])
      },
    ),
    { numRuns: 200 },
  )
})

test('rewriting the labels of a series keeps its samples, exemplars and histograms', () => {
  fc.assert(
    fc.property(timeSeries, labelSet, (ts, newLabels) => {
      const buf = encodeWriteRequest({ timeseries: [ts] })
      const index = splitWriteRequest(buf)
      const field = rewriteSeriesLabels(buf, index.starts[0]!, index.ends[0]!, newLabels)
      const [decoded] = decodeWriteRequest(field).timeseries
      const [original] = decodeWriteRequest(buf).timeseries
      assert.deepEqual(decoded, { ...original, labels: newLabels })
      assert.equal(splitWriteRequest(field).hash(0), hashLabels(newLabels))
    }),
    { numRuns: 200 },
  )
})

test('the request builder concatenates ranges and rewritten fields into one valid request', () => {
  const buf = encodeSeries([
    { labels: [{ name: 'a', value: '1' }], samples: [{ value: 1, timestampMs: 10 }] },
    { labels: [{ name: 'a', value: '2' }], samples: [{ value: 2, timestampMs: 20 }] },
  ])
  const index = splitWriteRequest(buf)
  const b = new WriteRequestBuilder()
  b.addRange(buf, index.starts[1]!, index.ends[1]!)
  b.addBytes(rewriteSeriesLabels(buf, index.starts[0]!, index.ends[0]!, [{ name: 'a', value: 'x' }]))
  const out = decodeWriteRequest(b.finish())
  assert.deepEqual(
    out.timeseries.map((t) => [t.labels[0]!.value, t.samples[0]!.value]),
    [
      ['2', 2],
      ['x', 1],
    ],
  )
})

test('the fast encoder writes what protobufjs decodes, including negative timestamps and stale markers', () => {
  fc.assert(
    fc.property(
      fc.array(
        record({
          labels: labelSet,
          samples: fc.array(
            record({ value: fc.oneof(fc.double(), fc.constant(STALE_NAN)), timestampMs: timestamp }),
            { maxLength: 3 },
          ),
        }),
        { maxLength: 6 },
      ),
      (records) => {
        const out = decodeWriteRequest(encodeSeries(records))
        assert.equal(out.timeseries.length, records.length)
        records.forEach((r, i) => {
          const ts = out.timeseries[i]!
          assert.deepEqual(ts.labels, r.labels)
          assert.deepEqual(
            ts.samples.map((s) => s.timestamp),
            r.samples.map((s) => s.timestampMs),
          )
          r.samples.forEach((s, k) => {
            assert.ok(Object.is(ts.samples[k]!.value, s.value))
            assert.equal(isStaleNaN(ts.samples[k]!.value), isStaleNaN(s.value))
          })
        })
      },
    ),
    { numRuns: 300 },
  )
})

test('a stale marker keeps its exact bit pattern on the wire', () => {
  const buf = encodeSeries([
    { labels: [{ name: 'a', value: 'b' }], samples: [{ value: STALE_NAN, timestampMs: 0 }] },
  ])
  const at = buf.indexOf(0x09)
  assert.deepEqual(Array.from(buf.subarray(at + 1, at + 9)), [0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f])
  assert.ok(isStaleNaN(STALE_NAN))
  assert.ok(!isStaleNaN(Number.NaN))
})

test('each limit is enforced with its own name, status and code', () => {
  const buf = encodeSeries([
    {
      labels: [
        { name: 'aaaa', value: 'vvvvvv' },
        { name: 'b', value: 'c' },
      ],
      samples: [
        { value: 1, timestampMs: 1 },
        { value: 2, timestampMs: 2 },
      ],
    },
    { labels: [{ name: 'x', value: 'y' }], samples: [] },
  ])
  const cases: Array<[object, string, number]> = [
    [{ maxSeries: 1 }, 'maxSeries', 413],
    [{ maxLabelsPerSeries: 1 }, 'maxLabelsPerSeries', 400],
    [{ maxLabelNameBytes: 3 }, 'maxLabelNameBytes', 400],
    [{ maxLabelValueBytes: 5 }, 'maxLabelValueBytes', 400],
    [{ maxSamplesPerSeries: 1 }, 'maxSamplesPerSeries', 413],
  ]
  for (const [limits, name, status] of cases) {
    assert.throws(
      () => splitWriteRequest(buf, limits),
      (e: unknown) =>
        e instanceof LimitError &&
        e.limit === name &&
        e.status === status &&
        e.code.startsWith('SLUICE_ERR_'),
      name,
    )
  }
  assert.equal(splitWriteRequest(buf, { maxSeries: 2, maxLabelNameBytes: 4, maxLabelValueBytes: 6 }).count, 2)
})

test('unknown top-level fields are skipped and not carried into rebuilt requests', () => {
  const series = encodeSeries([{ labels: [{ name: 'a', value: 'b' }], samples: [] }])
  // Field 2 (reserved upstream) as a string, then field 7 as a varint.
  const buf = Uint8Array.from([0x12, 0x01, 0x41, ...series, 0x38, 0x05])
  const index = splitWriteRequest(buf)
  assert.equal(index.count, 1)
  assert.deepEqual(buildWriteRequest(buf, index, [0]), series)
})

test('every truncation of a valid request is either a shorter valid request or a DecodeError', () => {
  const buf = encodeWriteRequest({
    timeseries: [
      { labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1700000000000 }] },
      { labels: [{ name: '__name__', value: 'déjà' }], samples: [{ value: 0.5, timestamp: -1 }] },
    ],
    metadata: [{ type: 1, metricFamilyName: 'up', help: 'h', unit: '' }],
  })
  let valid = 0
  for (let cut = 0; cut <= buf.length; cut++) {
    try {
      splitWriteRequest(buf.subarray(0, cut))
      valid++
    } catch (e) {
      assert.ok(e instanceof DecodeError, `cut ${cut}: ${e}`)
    }
  }
  // Only the cuts at field boundaries parse: empty, after series 1, after series 2, after metadata.
  assert.equal(valid, 4)
})
