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

/** What a {@link SampleLineHandler} keeps per series text: the parser reads its labels back for family checks. */
export interface ExposedSeries {
  /** The labels read from the series text: sorted by name, `__name__` included. */
  readonly exposedLabels: readonly Label[]
}

/**
 * Receives the sample lines of `scanExposition`. `src[start, end)` is a line's series text: the
 * metric name through the `}` closing its label set (blanks before the `{` included, in text), or
 * the bare name.
 */
export interface SampleLineHandler<E extends ExposedSeries> {
  /** The entry {@link SampleLineHandler.create} made before for exactly this text, or undefined. */
  lookup(src: string, start: number, end: number): E | undefined
  /**
   * A text not known (or any text, when lookups are off): called once its whole line is valid, with
   * the labels read from it (sorted, `__name__` included; the handler may keep the array).
   */
  create(src: string, start: number, end: number, name: string, labels: Label[]): E
  /** One sample, in body order; `timestampMs` is undefined when the line has none. */
  sample(entry: E, value: number, timestampMs: number | undefined): void
}

/** What `scanExposition` returns: the sample count and the metadata, as {@link ParseResult} has it. */
export interface ScanResult {
  format: ExpositionFormat
  samples: number
  metadata: FamilyMetadata[]
}
