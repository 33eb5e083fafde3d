import type { Label } from '@sluice/contracts'
import { formatFromContentType, type SampleLineHandler, scanExposition } from '@sluice/wire'
import { ScrapeLabelLimitError, ScrapeSampleLimitError } from './errors.ts'
import { ScrapedSample, ScrapedSeries, type SeriesKey } from './series.ts'
import { type CachedText, SeriesCache } from './series-cache.ts'

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
  /**
   * The target's series cache, kept by its scrape loop across scrapes; without one, every line is
   * read in full. Never sent to a worker thread.
   */
  cache?: SeriesCache
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

const decoder = new TextDecoder()

/**
 * Turns a scrape body into series with the target's labels attached, as Prometheus's scrape loop
 * does: conflicting exposed labels become `exported_<name>` (or win, with `honor_labels`), empty
 * label values are dropped, timestamps follow `honor_timestamps`, and the sample and label limits
 * fail the whole scrape with a {@link ScrapeSampleLimitError} or {@link ScrapeLabelLimitError}
 * (after the whole body has been read, so a malformed line anywhere fails it first). With
 * `input.cache`, lines whose series text the target sent before cost a lookup: their labels, limits,
 * key and encoded label bytes come from the cache. No I/O and no other shared state, so without a
 * cache it can run on a worker thread for large bodies.
 */
export function parseScrapeBody(input: ParseScrapeInput): ParsedScrape {
  const text = typeof input.body === 'string' ? input.body : decoder.decode(input.body)
  const format = formatFromContentType(input.contentType)
  const cache = input.cache ?? new SeriesCache(false)
  cache.begin({
    format,
    targetLabels: input.targetLabels,
    honorLabels: input.honorLabels,
    labelLimit: input.labelLimit,
    labelNameLengthLimit: input.labelNameLengthLimit,
    labelValueLengthLimit: input.labelValueLengthLimit,
  })
  const builder = new ScrapeBuilder(cache, input)
  let scraped: number
  try {
    scraped = scanExposition(text, format, builder).samples
  } catch (err) {
    cache.end(false)
    throw err
  }
  cache.end(!builder.failed)
  if (builder.sampleLimitBroken) throw new ScrapeSampleLimitError(scraped, input.sampleLimit)
  if (builder.labelProblem !== null) throw new ScrapeLabelLimitError(builder.labelProblem)
  return {
    series: builder.series,
    keys: builder.keys,
    samplesScraped: scraped,
    samplesAppended: builder.appended,
  }
}

/** Collects one scrape's series from the parser's sample lines, through the target's cache. */
class ScrapeBuilder implements SampleLineHandler<CachedText> {
  readonly series: ScrapedSeries[] = []
  readonly keys: (SeriesKey | null)[] = []
  appended = 0
  /** The message of the first label limit broken, unless the sample limit broke first. */
  labelProblem: string | null = null
  /** Whether the sample limit broke first. */
  sampleLimitBroken = false
  /** Whether a limit broke: the scrape fails. */
  failed = false
  readonly #cache: SeriesCache
  readonly #iteration: number
  readonly #scrapeTimestampMs: number
  readonly #honorTimestamps: boolean
  readonly #trackTimestampsStaleness: boolean
  readonly #sampleLimit: number

  constructor(cache: SeriesCache, input: ParseScrapeInput) {
    this.#cache = cache
    this.#iteration = cache.iteration
    this.#scrapeTimestampMs = input.scrapeTimestampMs
    this.#honorTimestamps = input.honorTimestamps
    this.#trackTimestampsStaleness = input.trackTimestampsStaleness
    this.#sampleLimit = input.sampleLimit
  }

  lookup(src: string, start: number, end: number): CachedText | undefined {
    return this.#cache.lookup(src, start, end)
  }

  create(src: string, start: number, end: number, _name: string, labels: Label[]): CachedText {
    return this.#cache.add(src, start, end, labels)
  }

  sample(entry: CachedText, value: number, timestampMs: number | undefined): void {
    // Past the first broken limit the scrape has failed; the rest of the body is only checked and counted.
    if (this.failed) return
    const s = entry.series
    if (s.limitProblem !== null) {
      this.labelProblem = s.limitProblem
      this.failed = true
      return
    }
    const own = timestampMs !== undefined && this.#honorTimestamps
    const ts = own ? timestampMs : this.#scrapeTimestampMs
    if (s.recordIteration === this.#iteration) {
      // A series exposed twice: Prometheus keeps the first sample for a timestamp and rejects the rest.
      const samples = this.series[s.recordIndex]!.samples
      if (samples[samples.length - 1]!.timestampMs === ts) return
      samples.push(new ScrapedSample(value, ts))
    } else {
      const record = new ScrapedSeries(s.labels, [new ScrapedSample(value, ts)], s.encodedLabels)
      s.recordIteration = this.#iteration
      s.recordIndex = this.series.length
      this.series.push(record)
      this.keys.push(own && !this.#trackTimestampsStaleness ? null : s.key)
    }
    this.appended++
    if (this.#sampleLimit > 0 && this.appended > this.#sampleLimit) {
      this.sampleLimitBroken = true
      this.failed = true
    }
  }
}
