import type { Label } from '@sluice/contracts'

/** The two text formats a scrape target can answer with. */
export type ExpositionFormat = 'text' | 'openmetrics'

/**
 * A metric family type. `untyped` is the text format's name for what OpenMetrics calls `unknown`;
 * `info`, `stateset` and `gaugehistogram` exist only in OpenMetrics.
 */
export type ExpositionMetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'summary'
  | 'untyped'
  | 'unknown'
  | 'info'
  | 'stateset'
  | 'gaugehistogram'

/** One sample line of an exposition. A class so every sample shares one hidden class. */
export class ParsedSample {
  /** The metric name as written on the line, e.g. `http_requests_total` or `foo_bucket`. */
  name: string
  /** Sorted by name, with `{ name: '__name__', value: name }` included as an ordinary label. */
  labels: Label[]
  /** The sample value; `NaN`, `+Inf` and `-Inf` are kept as such. */
  value: number
  /** The explicit timestamp in milliseconds, or undefined when the line has none. */
  timestampMs: number | undefined

  constructor(name: string, labels: Label[], value: number, timestampMs: number | undefined) {
    this.name = name
    this.labels = labels
    this.value = value
    this.timestampMs = timestampMs
  }
}

/** The HELP / TYPE / UNIT lines of one metric family. */
export interface FamilyMetadata {
  name: string
  /** `untyped` (text) or `unknown` (OpenMetrics) when the family has HELP or UNIT but no TYPE. */
  type: ExpositionMetricType
  help: string | undefined
  /** OpenMetrics only; the text format has no UNIT line. */
  unit: string | undefined
}

/**
 * Bounds a parse enforces while reading (an {@link ExpositionLimitError} names the one crossed).
 * Counts include `__name__`; lengths are in UTF-8 bytes, as Prometheus measures them.
 */
export interface ExpositionLimits {
  maxSamples?: number
  maxLabelsPerSample?: number
  maxLabelNameLength?: number
  maxLabelValueLength?: number
}

/** What {@link parseExposition} returns: samples in body order, metadata in order of first mention. */
export interface ParseResult {
  format: ExpositionFormat
  samples: ParsedSample[]
  metadata: FamilyMetadata[]
}
