import type { Label } from '@sluice/contracts'
import { decodeWith, encodeWith, WriteRequestType } from './schemas.ts'

/**
 * Remote-write 1.0 (`prometheus.WriteRequest`) as plain objects, through protobufjs. This is the
 * convenient, allocating path (tests, tools, small requests); the forward path uses the splitter.
 */

/** One float sample; `timestamp` in milliseconds. */
export interface Sample {
  value: number
  timestamp: number
}

export interface Exemplar {
  labels: Label[]
  value: number
  timestamp: number
}

export interface BucketSpan {
  offset: number
  length: number
}

/**
 * A native histogram. Integer histograms set `countInt`/`zeroCountInt` and the deltas; float
 * histograms set `countFloat`/`zeroCountFloat` and the counts (the `count` and `zero_count` oneofs).
 */
export interface Histogram {
  countInt?: number
  countFloat?: number
  sum: number
  schema: number
  zeroThreshold: number
  zeroCountInt?: number
  zeroCountFloat?: number
  negativeSpans: BucketSpan[]
  negativeDeltas: number[]
  negativeCounts: number[]
  positiveSpans: BucketSpan[]
  positiveDeltas: number[]
  positiveCounts: number[]
  /** 0 unknown, 1 yes, 2 no, 3 gauge. */
  resetHint: number
  timestamp: number
  customValues: number[]
}

export interface TimeSeries {
  labels: Label[]
  samples: Sample[]
  exemplars: Exemplar[]
  histograms: Histogram[]
}

/** Metric types of `MetricMetadata.type` (same numbers as remote-write 2.0's `Metadata.type`). */
export const MetricType = Object.freeze({
  UNKNOWN: 0,
  COUNTER: 1,
  GAUGE: 2,
  HISTOGRAM: 3,
  GAUGEHISTOGRAM: 4,
  SUMMARY: 5,
  INFO: 6,
  STATESET: 7,
})

export interface MetricMetadata {
  type: number
  metricFamilyName: string
  help: string
  unit: string
}

export interface WriteRequest {
  timeseries: TimeSeries[]
  metadata: MetricMetadata[]
}

/** Input of {@link encodeWriteRequest}: missing arrays and fields take their proto3 defaults. */
export type WriteRequestInput = {
  timeseries?: Array<Partial<Omit<TimeSeries, 'histograms'>> & { histograms?: Array<Partial<Histogram>> }>
  metadata?: Array<Partial<MetricMetadata>>
}

/**
 * Decodes an uncompressed WriteRequest into plain objects (every field present, int64 as number).
 * Oneof members that were not sent (`countInt` vs `countFloat`, ...) are absent (protobufjs sets no
 * default for oneof members).
 *
 * @throws DecodeError (400) on malformed input.
 */
export function decodeWriteRequest(bytes: Uint8Array): WriteRequest {
  return decodeWith(WriteRequestType, bytes, 'WriteRequest') as unknown as WriteRequest
}

/** Encodes a WriteRequest (uncompressed) with protobufjs. */
export function encodeWriteRequest(req: WriteRequestInput): Uint8Array {
  return encodeWith(WriteRequestType, req)
}
