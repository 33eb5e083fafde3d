import type { Label } from '@sluice/contracts'

/** One sample of a scraped series. A class so that every sample on the hot path has one shape. */
export class ScrapedSample {
  value: number
  timestampMs: number

  constructor(value: number, timestampMs: number) {
    this.value = value
    this.timestampMs = timestampMs
  }
}

/** One series produced by a scrape: its full label set (sorted by name, `__name__` included) and samples. */
export class ScrapedSeries {
  labels: Label[]
  samples: ScrapedSample[]
  /**
   * `labels` as remote-write label fields (see `encodeLabelFields`), kept by the scrape cache so a
   * steady series is not encoded again every scrape; null when not at hand.
   */
  encodedLabels: Uint8Array | null

  constructor(labels: Label[], samples: ScrapedSample[], encodedLabels: Uint8Array | null = null) {
    this.labels = labels
    this.samples = samples
    this.encodedLabels = encodedLabels
  }
}

/**
 * Identifies a series between consecutive scrapes of one target: a 53-bit number from
 * {@link seriesHash}, or, for the rare label set whose hash collides with another one in the same
 * scrape, the exact string from {@link seriesKey}.
 */
export type SeriesKey = number | string

// A lone surrogate never occurs in a string decoded from UTF-8 (the decoder replaces it with U+FFFD),
// so it separates names and values without any possible collision.
const SEP = '\ud800'

/** A string that identifies a label set exactly; the fallback when two label sets share a hash. */
export function seriesKey(labels: readonly Label[]): string {
  let key = ''
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    key += l.name + SEP + l.value + SEP
  }
  return key
}

/**
 * A 53-bit hash of a label set (two 32-bit multiplicative lanes over the UTF-16 units, with separator
 * units no UTF-8 text contains). A number keys a Map about four times faster than the equivalent
 * string, which matters at one lookup per series per scrape. Collisions inside one scrape are
 * detected and resolved exactly; one between a vanished series and a new one in the next scrape
 * (odds about n^2 / 2^54 for n series) costs at most that one staleness marker.
 */
export function seriesHash(labels: readonly Label[]): number {
  let a = 0x811c9dc5
  let b = 0x9747b28c
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    const n = l.name
    for (let j = 0; j < n.length; j++) {
      const c = n.charCodeAt(j)
      a = Math.imul(a ^ c, 0x01000193)
      b = Math.imul(b ^ c, 0x5bd1e995)
      b ^= b >>> 15
    }
    a = Math.imul(a ^ 0xd800, 0x01000193)
    b = Math.imul(b ^ 0xd800, 0x5bd1e995)
    const v = l.value
    for (let j = 0; j < v.length; j++) {
      const c = v.charCodeAt(j)
      a = Math.imul(a ^ c, 0x01000193)
      b = Math.imul(b ^ c, 0x5bd1e995)
      b ^= b >>> 15
    }
    a = Math.imul(a ^ 0xd801, 0x01000193)
    b = Math.imul(b ^ 0xd801, 0x5bd1e995)
  }
  a = fmix(a ^ labels.length)
  b = fmix(b + a)
  return (a >>> 0) * 0x200000 + (b >>> 11)
}

/** MurmurHash3's finaliser: every input bit affects every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** True when two label sets are equal. */
export function sameLabels(x: readonly Label[], y: readonly Label[]): boolean {
  if (x.length !== y.length) return false
  for (let i = 0; i < x.length; i++)
    if (x[i]!.name !== y[i]!.name || x[i]!.value !== y[i]!.value) return false
  return true
}
