import type { Label } from '@sluice/contracts'
import { formatFromContentType, parseExposition } from '@sluice/wire'
import { ScrapeLabelLimitError, ScrapeSampleLimitError } from './errors.ts'
import { ScrapedSample, ScrapedSeries, type SeriesKey, sameLabels, seriesHash, seriesKey } from './series.ts'

/** Everything {@link parseScrapeBody} needs; plain data, so it can be posted to a worker thread. */
export interface ParseScrapeInput {
  /** The uncompressed body, as received or already decoded. */
  body: string | Uint8Array
  /** The response's Content-Type, which selects text or OpenMetrics. */
  contentType: string
  /** The target's public labels, sorted by name (see `finalTargetLabels`). */
  targetLabels: Label[]
  /** The scrape's start time: the timestamp of every sample that does not bring its own (or when those are not honoured). */
  scrapeTimestampMs: number
  honorLabels: boolean
  honorTimestamps: boolean
  trackTimestampsStaleness: boolean
  /** 0 means no limit, as for the other limits. */
  sampleLimit: number
  labelLimit: number
  labelNameLengthLimit: number
  labelValueLengthLimit: number
}

/** The series of one successful scrape. */
export interface ParsedScrape {
  series: ScrapedSeries[]
  /**
   * Parallel to `series`: the key used to diff consecutive scrapes, or null for a series that gets no
   * staleness marker when it vanishes (one with its own timestamps, unless track_timestamps_staleness).
   */
  keys: (SeriesKey | null)[]
  /** Samples in the body. */
  samplesScraped: number
  /** Samples kept after label handling and de-duplication (what Prometheus reports as post-relabelling). */
  samplesAppended: number
}

const EXPORTED_PREFIX = 'exported_'
const decoder = new TextDecoder()

/**
 * Turns a scrape body into series with the target's labels attached, as Prometheus's scrape loop
 * does: conflicting exposed labels become `exported_<name>` (or win, with `honor_labels`), empty
 * label values are dropped, timestamps follow `honor_timestamps`, and the sample and label limits
 * fail the whole scrape with a {@link ScrapeSampleLimitError} or {@link ScrapeLabelLimitError}.
 * Pure: no I/O, no shared state, so it can run on a worker thread for large bodies.
 */
export function parseScrapeBody(input: ParseScrapeInput): ParsedScrape {
  const text = typeof input.body === 'string' ? input.body : decoder.decode(input.body)
  const parsed = parseExposition(text, formatFromContentType(input.contentType))
  const samples = parsed.samples
  const target = input.targetLabels
  const series: ScrapedSeries[] = []
  const keys: (SeriesKey | null)[] = []
  const byKey = new Map<SeriesKey, ScrapedSeries>()
  let appended = 0

  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!
    const labels = input.honorLabels ? mergeHonoring(s.labels, target) : mergeOverriding(s.labels, target)
    checkLabelLimits(labels, input)
    const own = s.timestampMs !== undefined && input.honorTimestamps
    const ts = own ? (s.timestampMs as number) : input.scrapeTimestampMs
    let key: SeriesKey = seriesHash(labels)
    let seen = byKey.get(key)
    if (seen !== undefined && !sameLabels(seen.labels, labels)) {
      // Two label sets share a hash: this one is keyed by its exact string instead.
      key = seriesKey(labels)
      seen = byKey.get(key)
    }
    if (seen !== undefined) {
      // A series exposed twice: Prometheus keeps the first sample for a timestamp and rejects the rest.
      if (seen.samples[seen.samples.length - 1]!.timestampMs === ts) continue
      seen.samples.push(new ScrapedSample(s.value, ts))
    } else {
      const record = new ScrapedSeries(labels, [new ScrapedSample(s.value, ts)])
      byKey.set(key, record)
      series.push(record)
      keys.push(own && !input.trackTimestampsStaleness ? null : key)
    }
    appended++
    if (input.sampleLimit > 0 && appended > input.sampleLimit) {
      throw new ScrapeSampleLimitError(samples.length, input.sampleLimit)
    }
  }
  return { series, keys, samplesScraped: samples.length, samplesAppended: appended }
}

/** honor_labels = true: exposed labels win; target labels fill in the names the target did not expose. */
function mergeHonoring(scraped: readonly Label[], target: readonly Label[]): Label[] {
  const out: Label[] = []
  let i = 0
  let j = 0
  while (i < scraped.length || j < target.length) {
    const a = scraped[i]
    const b = target[j]
    if (a !== undefined && a.value === '') {
      i++
    } else if (b === undefined || (a !== undefined && a.name < b.name)) {
      out.push(a!)
      i++
    } else if (a === undefined || b.name < a.name) {
      out.push(b)
      j++
    } else {
      out.push(a)
      i++
      j++
    }
  }
  return out
}

/**
 * honor_labels = false: target labels win; an exposed label they displace is kept as
 * `exported_<name>` (with more prefixes while that name is taken too). Both inputs are sorted, so the
 * common case without conflicts is one merge pass.
 */
function mergeOverriding(scraped: readonly Label[], target: readonly Label[]): Label[] {
  const out: Label[] = []
  let i = 0
  let j = 0
  let conflicts: Label[] | null = null
  while (i < scraped.length || j < target.length) {
    const a = scraped[i]
    const b = target[j]
    if (a !== undefined && a.value === '') {
      i++
    } else if (b === undefined || (a !== undefined && a.name < b.name)) {
      out.push(a!)
      i++
    } else if (a === undefined || b.name < a.name) {
      out.push(b)
      j++
    } else {
      out.push(b)
      if (conflicts === null) conflicts = []
      conflicts.push(a)
      i++
      j++
    }
  }
  return conflicts === null ? out : renameConflicts(out, conflicts)
}

function renameConflicts(labels: Label[], conflicts: Label[]): Label[] {
  const taken = new Set(labels.map((l) => l.name))
  // Shorter names first, as Prometheus resolves them, so `exported_exported_x` chains are deterministic.
  conflicts.sort((x, y) => x.name.length - y.name.length)
  for (const c of conflicts) {
    let name = c.name
    do name = EXPORTED_PREFIX + name
    while (taken.has(name))
    taken.add(name)
    labels.push({ name, value: c.value })
  }
  return labels.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
}

function utf8Exceeds(s: string, limit: number): boolean {
  // UTF-8 takes at least one byte and at most three per UTF-16 unit; only the middle needs counting.
  if (s.length > limit) return true
  if (s.length * 3 <= limit) return false
  return Buffer.byteLength(s, 'utf8') > limit
}

function checkLabelLimits(labels: readonly Label[], input: ParseScrapeInput): void {
  if (input.labelLimit > 0 && labels.length > input.labelLimit) {
    throw new ScrapeLabelLimitError(
      `label_limit exceeded (metric: ${metricName(labels)}, labels: ${labels.length}, limit: ${input.labelLimit})`,
    )
  }
  const nameLimit = input.labelNameLengthLimit
  const valueLimit = input.labelValueLengthLimit
  if (nameLimit <= 0 && valueLimit <= 0) return
  for (const l of labels) {
    if (nameLimit > 0 && utf8Exceeds(l.name, nameLimit)) {
      throw new ScrapeLabelLimitError(
        `label_name_length_limit exceeded (metric: ${metricName(labels)}, label: ${l.name}, limit: ${nameLimit})`,
      )
    }
    if (valueLimit > 0 && utf8Exceeds(l.value, valueLimit)) {
      throw new ScrapeLabelLimitError(
        `label_value_length_limit exceeded (metric: ${metricName(labels)}, label: ${l.name}, limit: ${valueLimit})`,
      )
    }
  }
}

function metricName(labels: readonly Label[]): string {
  return (labels.find((l) => l.name === '__name__')?.value ?? '').slice(0, 50)
}
