import type { Label } from '@sluice/contracts'
import fc from 'fast-check'
import type { Histogram, MetricMetadata, Sample, TimeSeries } from '../src/index.ts'

/** Shared fast-check generators for the codec tests. */

/** Records with an ordinary prototype, so they deep-equal what the decoders build. */
export function record<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>
}

export const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/)
/** Any Unicode text (no lone surrogates: those are not representable in UTF-8). */
export const labelValue = fc.string({ unit: 'binary', maxLength: 16 })

/** A label set as Sluice keeps them: unique names, sorted. */
export const labelSet: fc.Arbitrary<Label[]> = fc
  .uniqueArray(fc.tuple(labelName, labelValue), { selector: ([n]) => n, minLength: 1, maxLength: 8 })
  .map((pairs) =>
    pairs
      .map(([name, value]) => ({ name, value }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  )

/** Integer millisecond timestamps, negative ones included (they take 10-byte varints). */
export const timestamp = fc.integer({ min: -(2 ** 40), max: 2 ** 45 })
export const floatValue = fc.double({ noNaN: true })

export const sample: fc.Arbitrary<Sample> = record({ value: floatValue, timestamp })

const span = record({ offset: fc.integer({ min: -1000, max: 1000 }), length: fc.nat(100) })
export const histogram: fc.Arbitrary<Histogram> = record({
  countInt: fc.nat(1_000_000),
  sum: floatValue,
  schema: fc.integer({ min: -4, max: 8 }),
  zeroThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
  zeroCountFloat: fc.double({ min: 0, max: 1e6, noNaN: true }),
  negativeSpans: fc.array(span, { maxLength: 2 }),
  negativeDeltas: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 3 }),
  negativeCounts: fc.constant([]),
  positiveSpans: fc.array(span, { maxLength: 2 }),
  positiveDeltas: fc.constant([]),
  positiveCounts: fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 3 }),
  resetHint: fc.integer({ min: 0, max: 3 }),
  timestamp,
  customValues: fc.array(floatValue, { maxLength: 2 }),
})

export const timeSeries: fc.Arbitrary<TimeSeries> = record({
  labels: labelSet,
  samples: fc.array(sample, { maxLength: 3 }),
  exemplars: fc.array(
    record({
      labels: fc.array(record({ name: labelName, value: labelValue }), { maxLength: 2 }),
      value: floatValue,
      timestamp,
    }),
    {
      maxLength: 2,
    },
  ),
  histograms: fc.array(histogram, { maxLength: 2 }),
})

export const metadata: fc.Arbitrary<MetricMetadata> = record({
  type: fc.integer({ min: 0, max: 7 }),
  metricFamilyName: labelName,
  help: labelValue,
  unit: labelName,
})

export const sortLabels = (labels: Label[]): Label[] =>
  [...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
