import type { ExpositionFormat, ExpositionMetricType, FamilyMetadata } from './types.ts'

/** The TYPE words each format accepts. */
export const TEXT_TYPES: ReadonlySet<string> = new Set([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
])
export const OPENMETRICS_TYPES: ReadonlySet<string> = new Set([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
  'unknown',
])

/**
 * The sample-name suffixes that belong to a family of each type. In the text format a counter's
 * samples carry the family name itself (`# TYPE x_total counter` / `x_total 1`); OpenMetrics names
 * the family without `_total` and adds `_created` to counters, histograms and summaries.
 */
const TEXT_SUFFIXES: Record<ExpositionMetricType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  unknown: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
  info: [''],
  stateset: [''],
  gaugehistogram: [''],
}
const OPENMETRICS_SUFFIXES: Record<ExpositionMetricType, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [''],
  untyped: [''],
  unknown: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['', '_sum', '_count', '_created'],
  info: ['_info'],
  stateset: [''],
}

/** The sample suffixes of `type` in `format`. */
export function suffixesOf(format: ExpositionFormat, type: ExpositionMetricType): readonly string[] {
  return (format === 'openmetrics' ? OPENMETRICS_SUFFIXES : TEXT_SUFFIXES)[type]
}

/**
 * The suffix that makes `sampleName` a sample of family `familyName` of `type`, or undefined when it
 * is not one of its samples.
 */
export function suffixWithin(
  format: ExpositionFormat,
  familyName: string,
  type: ExpositionMetricType,
  sampleName: string,
): string | undefined {
  if (!sampleName.startsWith(familyName)) return undefined
  const rest = sampleName.length - familyName.length
  for (const suffix of suffixesOf(format, type)) {
    if (suffix.length === rest && sampleName.endsWith(suffix)) return suffix
  }
  return undefined
}

/** What the parser knows about one family while it reads: its metadata and which lines it saw. */
export class FamilyRecord {
  readonly meta: FamilyMetadata
  hasType: boolean
  hasHelp: boolean
  hasUnit: boolean
  hasSamples: boolean

  constructor(name: string, type: ExpositionMetricType) {
    this.meta = { name, type, help: undefined, unit: undefined }
    this.hasType = false
    this.hasHelp = false
    this.hasUnit = false
    this.hasSamples = false
  }
}
