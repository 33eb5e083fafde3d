import { setTimeout as sleep } from 'node:timers/promises'
import type { Label } from '@sluice/contracts'
import type { Logger } from '@sluice/telemetry'
import { STALE_NAN } from '@sluice/wire'
import type { ScrapeConfig, Target } from './config.ts'
import { encodeLabelFields } from './encode.ts'
import { ScrapeSampleLimitError } from './errors.ts'
import type { ScrapeHttpClient } from './http-client.ts'
import type { ScrapeMetrics } from './metrics.ts'
import { nextScrapeTimeMs } from './offset.ts'
import type { ParsedScrape, ParseScrapeInput } from './parse-body.ts'
import { ScrapedSample, ScrapedSeries, type SeriesKey, seriesHash } from './series.ts'
import { SeriesCache } from './series-cache.ts'
import type { ResolvedTarget } from './target-labels.ts'

/** Where scrape results go: one call per scrape with its samples, staleness markers and report series. */
export interface ScrapeAppender {
  append(series: ScrapedSeries[]): Promise<void>
}

/** Parses a body; {@link parseScrapeBody} by default, or a worker-pool call that runs it off the main thread. */
export type ScrapeBodyParser = (input: ParseScrapeInput) => ParsedScrape | Promise<ParsedScrape>

/** One target's state as the status page shows it. */
export interface TargetStatus {
  /** The labels attached to its samples. */
  labels: Label[]
  /** The labels discovery gave it. */
  discoveredLabels: Label[]
  health: 'up' | 'down' | 'unknown'
  lastError?: string
  /** Start of the last scrape, in Unix milliseconds. */
  lastScrape?: number
  lastScrapeDurationMs?: number
}

/** What a loop shares with its manager. */
export interface ScrapeLoopContext {
  /** The job's current HTTP client (replaced when the job's TLS or auth settings change). */
  client(): ScrapeHttpClient
  appender: ScrapeAppender
  parse: ScrapeBodyParser
  metrics: ScrapeMetrics
  component: string
  logger: Logger
  /** An error that fails every scrape while it holds (target_limit), or null. */
  forcedError(): Error | null
}

/** The series Prometheus writes about every scrape, in this order. */
const REPORT_NAMES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
] as const

// Prometheus aligns a sample timestamp to the scheduled time when the scrape starts within 2 ms of it,
// so one target's samples stay exactly one interval apart (better compression in the backend).
const TIMESTAMP_TOLERANCE_MS = 2

// Staleness markers are STALE_NAN in ScrapedSample.value. V8 keeps a NaN's payload in an object field
// but may quiet it in a plain array of doubles, and structured cloning (worker messages) erases it:
// markers are made here on the main thread and must reach the encoder inside their sample objects.

/** The series each scrape of one target produced, by series key; what the next scrape is diffed against. */
export type SeriesMemory = Map<SeriesKey, Label[]>

/**
 * Scrapes one target at its hashed offset in every interval, one scrape at a time, and writes
 * staleness markers for series that vanish between scrapes or when the loop stops for good.
 */
export class ScrapeLoop {
  readonly key: string
  /** The discovered target; refreshed when only its `__meta_*` labels change. */
  target: Target
  readonly resolved: ResolvedTarget
  readonly config: ScrapeConfig
  readonly offsetMs: number
  readonly #ctx: ScrapeLoopContext
  readonly #abort = new AbortController()
  readonly #reportLabels: Label[][]
  readonly #reportKeys: SeriesKey[]
  readonly #reportEncoded: Uint8Array[]
  /** Parsed series by their text in the body; lives as long as the loop, so a config change empties it. */
  readonly #cache = new SeriesCache()
  #previous: SeriesMemory = new Map()
  #lastTimestampMs = 0
  #done: Promise<void> = Promise.resolve()
  #health: TargetStatus['health'] = 'unknown'
  #lastError: string | undefined
  #lastScrape: number | undefined
  #lastDurationMs: number | undefined

  constructor(
    key: string,
    target: Target,
    resolved: ResolvedTarget,
    config: ScrapeConfig,
    offsetMs: number,
    ctx: ScrapeLoopContext,
  ) {
    this.key = key
    this.target = target
    this.resolved = resolved
    this.config = config
    this.offsetMs = offsetMs
    this.#ctx = ctx
    this.#reportLabels = REPORT_NAMES.map((name) => withName(resolved.labels, name))
    this.#reportKeys = this.#reportLabels.map(seriesHash)
    this.#reportEncoded = this.#reportLabels.map(encodeLabelFields)
  }

  /**
   * Starts scraping. `carried` resolves to the series memory of the loop this one replaces (or of a
   * loop for the same target still stopping), so that markers are neither lost nor written twice.
   * The first tick is scheduled once `carried` has resolved, so a caller may also delay the start
   * through it (the manager's hand-over wait).
   */
  start(carried?: Promise<SeriesMemory | undefined>): void {
    this.#done = this.#run(carried)
  }

  /**
   * Stops the loop: a scrape in flight is abandoned and appends nothing. With `writeStaleness`, every
   * series of the last scrape (report series included) gets a marker, as when Prometheus drops a
   * target. Returns the remaining series memory, for a loop that takes over.
   */
  async stop(writeStaleness: boolean): Promise<SeriesMemory> {
    this.#abort.abort()
    await this.#done
    if (writeStaleness && this.#previous.size > 0) await this.#appendEndOfRunStaleness()
    return this.#previous
  }

  status(): TargetStatus {
    const s: TargetStatus = {
      labels: this.resolved.labels,
      discoveredLabels: this.target.labels,
      health: this.#health,
    }
    if (this.#lastError !== undefined) s.lastError = this.#lastError
    if (this.#lastScrape !== undefined) s.lastScrape = this.#lastScrape
    if (this.#lastDurationMs !== undefined) s.lastScrapeDurationMs = this.#lastDurationMs
    return s
  }

  async #run(carried: Promise<SeriesMemory | undefined> | undefined): Promise<void> {
    const signal = this.#abort.signal
    if (carried !== undefined) {
      const memory = await carried
      if (memory !== undefined) this.#previous = memory
    }
    const interval = this.resolved.intervalMs
    let lastTick = Number.NEGATIVE_INFINITY
    while (!signal.aborted) {
      // Never the same tick twice, even when the timer fires a millisecond early.
      const tick = nextScrapeTimeMs(Math.max(Date.now(), lastTick + 1), interval, this.offsetMs)
      try {
        await sleep(Math.max(0, tick - Date.now()), undefined, { signal })
      } catch {
        return
      }
      lastTick = tick
      // Awaiting the scrape before scheduling the next one is what rules out overlapping scrapes;
      // ticks missed meanwhile are skipped, not caught up.
      await this.#scrapeOnce(tick, signal)
    }
  }

  async #scrapeOnce(tick: number, signal: AbortSignal): Promise<void> {
    const ctx = this.#ctx
    const start = Date.now()
    const ts = Math.abs(start - tick) <= TIMESTAMP_TOLERANCE_MS ? tick : start
    let parsed: ParsedScrape | null = null
    let error = ctx.forcedError()
    if (error === null) {
      try {
        const c = this.config
        const res = await ctx
          .client()
          .scrape(this.resolved.url, this.resolved.timeoutMs, c.body_size_limit, signal)
        parsed = await ctx.parse({
          body: res.body,
          contentType: res.contentType,
          targetLabels: this.resolved.labels,
          scrapeTimestampMs: ts,
          honorLabels: c.honor_labels,
          honorTimestamps: c.honor_timestamps,
          trackTimestampsStaleness: c.track_timestamps_staleness,
          sampleLimit: c.sample_limit,
          labelLimit: c.label_limit,
          labelNameLengthLimit: c.label_name_length_limit,
          labelValueLengthLimit: c.label_value_length_limit,
          cache: this.#cache,
        })
      } catch (err) {
        error = err instanceof Error ? err : new Error(String(err))
      }
    }
    if (signal.aborted) return
    const durationMs = Date.now() - start

    // A failed scrape counts as an empty one: everything the previous scrape produced goes stale.
    const batch: ScrapedSeries[] = parsed === null ? [] : parsed.series
    const current: SeriesMemory = new Map()
    let seriesAdded = 0
    if (parsed !== null) {
      for (let i = 0; i < parsed.keys.length; i++) {
        const key = parsed.keys[i]
        if (key === null || key === undefined) continue
        current.set(key, parsed.series[i]!.labels)
        if (!this.#previous.has(key)) seriesAdded++
      }
    }
    const reportValues = [
      error === null ? 1 : 0,
      durationMs / 1000,
      parsed?.samplesScraped ?? (error instanceof ScrapeSampleLimitError ? error.samplesScraped : 0),
      parsed?.samplesAppended ?? 0,
      seriesAdded,
    ]
    for (let i = 0; i < REPORT_NAMES.length; i++) current.set(this.#reportKeys[i]!, this.#reportLabels[i]!)
    let stale = 0
    for (const [key, labels] of this.#previous) {
      if (current.has(key)) continue
      batch.push(new ScrapedSeries(labels, [new ScrapedSample(STALE_NAN, ts)]))
      stale++
    }
    for (let i = 0; i < REPORT_NAMES.length; i++) {
      batch.push(
        new ScrapedSeries(
          this.#reportLabels[i]!,
          [new ScrapedSample(reportValues[i]!, ts)],
          this.#reportEncoded[i]!,
        ),
      )
    }

    this.#health = error === null ? 'up' : 'down'
    this.#lastError = error === null ? undefined : error.message
    this.#lastScrape = start
    this.#lastDurationMs = durationMs
    this.#lastTimestampMs = ts
    const m = ctx.metrics
    m.scrapes.inc({ component: ctx.component, result: error === null ? 'success' : 'failure' })
    m.duration.observe({ component: ctx.component }, durationMs / 1000)
    if (parsed !== null) m.samples.inc({ component: ctx.component }, parsed.samplesAppended)
    if (stale > 0) m.staleMarkers.inc({ component: ctx.component }, stale)
    if (error !== null) ctx.logger.debug({ target: this.resolved.url, err: error.message }, 'scrape failed')

    try {
      await ctx.appender.append(batch)
      this.#previous = current
    } catch (err) {
      m.appendFailures.inc({ component: ctx.component })
      ctx.logger.warn({ target: this.resolved.url, err: (err as Error).message }, 'appending scrape failed')
      // Keep remembering what was there before too, so that its markers are still written later.
      for (const [key, labels] of current) this.#previous.set(key, labels)
    }
  }

  async #appendEndOfRunStaleness(): Promise<void> {
    // Strictly after the last sample: a marker at the same timestamp would be a conflicting duplicate.
    const ts = Math.max(Date.now(), this.#lastTimestampMs + 1)
    const batch: ScrapedSeries[] = []
    for (const labels of this.#previous.values())
      batch.push(new ScrapedSeries(labels, [new ScrapedSample(STALE_NAN, ts)]))
    try {
      await this.#ctx.appender.append(batch)
      this.#ctx.metrics.staleMarkers.inc({ component: this.#ctx.component }, batch.length)
      this.#previous = new Map()
    } catch (err) {
      this.#ctx.metrics.appendFailures.inc({ component: this.#ctx.component })
      this.#ctx.logger.warn(
        { target: this.resolved.url, err: (err as Error).message },
        'appending staleness markers failed',
      )
    }
  }
}

/** `labels` (sorted, without `__name__`) plus `__name__`, kept sorted. */
function withName(labels: readonly Label[], name: string): Label[] {
  const out: Label[] = []
  let placed = false
  for (const l of labels) {
    if (!placed && l.name > '__name__') {
      out.push({ name: '__name__', value: name })
      placed = true
    }
    out.push(l)
  }
  if (!placed) out.push({ name: '__name__', value: name })
  return out
}
