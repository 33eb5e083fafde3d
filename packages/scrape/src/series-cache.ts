import type { Label } from '@sluice/contracts'
import type { ExposedSeries, ExpositionFormat } from '@sluice/wire'
import { encodeLabelFields } from './encode.ts'
import { type SeriesKey, sameLabels, seriesHash, seriesKey } from './series.ts'
import { attachTargetLabels, type LabelSettings, labelLimitProblem } from './target-merge.ts'

/** One final label set of a target, with what every scrape of it needs. Several texts may share one. */
export class CachedSeries {
  /** After target-label attachment; shared, never changed. */
  readonly labels: Label[]
  /** The staleness and de-duplication key. */
  readonly key: SeriesKey
  /** `labels` as remote-write label fields; null in a cache that does not retain. */
  readonly encodedLabels: Uint8Array | null
  /** Why the label set breaks the label limits (failing the scrape), or null. */
  readonly limitProblem: string | null
  /** The last scrape whose body held one of this series' texts. */
  seen: number
  /** The scrape that last gave this series a sample, and the index of the record it made there. */
  recordIteration: number
  recordIndex: number

  constructor(
    labels: Label[],
    key: SeriesKey,
    encodedLabels: Uint8Array | null,
    limitProblem: string | null,
  ) {
    this.labels = labels
    this.key = key
    this.encodedLabels = encodedLabels
    this.limitProblem = limitProblem
    this.seen = -1
    this.recordIteration = -1
    this.recordIndex = -1
  }
}

/** One series text as the target wrote it (name through label set), and the series it stands for. */
export class CachedText implements ExposedSeries {
  readonly exposedLabels: Label[]
  readonly series: CachedSeries
  /** The scrape that last contained the text. */
  iteration: number

  constructor(exposedLabels: Label[], series: CachedSeries, iteration: number) {
    this.exposedLabels = exposedLabels
    this.series = series
    this.iteration = iteration
  }
}

/** Everything a cached entry depends on besides its text. */
export interface CacheSettings extends LabelSettings {
  format: ExpositionFormat
}

// V8 makes a substring of 13 or more UTF-16 units a view that keeps its whole parent string alive.
// Entries outlive the body they came from, so they hold copies that keep only their own text.
const MIN_VIEW_LENGTH = 13

function detach(s: string): string {
  return s.length < MIN_VIEW_LENGTH ? s : Buffer.from(s, 'utf16le').toString('utf16le')
}

/**
 * One target's series cache, as Prometheus keeps per scrape loop: from the raw series text of a
 * sample line to its labels after target-label attachment, label limits, pre-encoded label bytes
 * and staleness key, so that a steady target costs a lookup and a value per line. Entries not seen
 * in a successful scrape are dropped at its end; after failed scrapes the cache is flushed the same
 * way once it has grown past twice its last successful size plus 1000, so churn cannot grow it
 * without bound. Any change of format, target labels, honor_labels or label limits empties it.
 *
 * A cache made with `retain = false` remembers no texts (every line is read) and only de-duplicates
 * within one parse: the mode for a one-off parse, e.g. on a worker thread.
 */
export class SeriesCache {
  readonly retain: boolean
  readonly #texts = new Map<string, CachedText>()
  readonly #series = new Map<SeriesKey, CachedSeries>()
  #settings: CacheSettings | null = null
  #iteration = 0
  #lastSuccessfulSize = 0
  /** Texts and series seen in the current scrape, so that a scrape that saw all of them skips the flush. */
  #textsSeen = 0
  #seriesSeen = 0

  constructor(retain = true) {
    this.retain = retain
  }

  /** Series texts held. */
  get size(): number {
    return this.#texts.size
  }

  /** The current scrape's number; entries stamped with it were seen in this scrape. */
  get iteration(): number {
    return this.#iteration
  }

  /** Starts a scrape made under `settings`, dropping every entry made under other settings. */
  begin(settings: CacheSettings): void {
    const old = this.#settings
    if (old === null || !sameSettings(old, settings)) {
      this.#texts.clear()
      this.#series.clear()
      this.#lastSuccessfulSize = 0
    }
    this.#settings = settings
  }

  /** The entry for the text `src[start, end)`, stamped as seen in this scrape. */
  lookup(src: string, start: number, end: number): CachedText | undefined {
    if (!this.retain) return undefined
    const text = this.#texts.get(src.slice(start, end))
    if (text !== undefined && text.iteration !== this.#iteration) {
      text.iteration = this.#iteration
      this.#textsSeen++
      this.#markSeen(text.series)
    }
    return text
  }

  /**
   * Adds the text `src[start, end)` read into `exposed` (sorted, `__name__` included; kept by the
   * cache), sharing the final series with any other text that leads to the same labels.
   */
  add(src: string, start: number, end: number, exposed: Label[]): CachedText {
    const settings = this.#settings!
    if (this.retain) for (let i = 0; i < exposed.length; i++) exposed[i] = detachLabel(exposed[i]!)
    const labels = attachTargetLabels(exposed, settings)
    let key: SeriesKey = seriesHash(labels)
    let series = this.#series.get(key)
    if (series !== undefined && !sameLabels(series.labels, labels)) {
      // Two label sets share a hash: this one is keyed by its exact string instead.
      key = seriesKey(labels)
      series = this.#series.get(key)
    }
    if (series === undefined) {
      // Label bytes pay off from the second scrape on; a one-off parse leaves them to the encoder.
      const encoded = this.retain ? encodeLabelFields(labels) : null
      series = new CachedSeries(labels, key, encoded, labelLimitProblem(labels, settings))
      this.#series.set(key, series)
    }
    this.#markSeen(series)
    const text = new CachedText(exposed, series, this.#iteration)
    if (this.retain) {
      this.#texts.set(detach(src.slice(start, end)), text)
      this.#textsSeen++
    }
    return text
  }

  #markSeen(series: CachedSeries): void {
    if (series.seen === this.#iteration) return
    series.seen = this.#iteration
    this.#seriesSeen++
  }

  /** Ends the current scrape; `successful` when its samples were all taken. */
  end(successful: boolean): void {
    if (!this.retain) {
      this.#series.clear()
      this.#iteration++
      return
    }
    if (successful || this.#texts.size > 2 * this.#lastSuccessfulSize + 1000) {
      const now = this.#iteration
      if (this.#textsSeen < this.#texts.size)
        for (const [raw, text] of this.#texts) if (text.iteration !== now) this.#texts.delete(raw)
      if (this.#seriesSeen < this.#series.size)
        for (const [key, series] of this.#series) if (series.seen !== now) this.#series.delete(key)
      if (successful) this.#lastSuccessfulSize = this.#texts.size
    }
    this.#iteration++
    this.#textsSeen = 0
    this.#seriesSeen = 0
  }
}

function detachLabel(l: Label): Label {
  if (l.name.length < MIN_VIEW_LENGTH && l.value.length < MIN_VIEW_LENGTH) return l
  return { name: detach(l.name), value: detach(l.value) }
}

function sameSettings(a: CacheSettings, b: CacheSettings): boolean {
  return (
    a.format === b.format &&
    a.honorLabels === b.honorLabels &&
    a.labelLimit === b.labelLimit &&
    a.labelNameLengthLimit === b.labelNameLengthLimit &&
    a.labelValueLengthLimit === b.labelValueLengthLimit &&
    (a.targetLabels === b.targetLabels || sameLabels(a.targetLabels, b.targetLabels))
  )
}
