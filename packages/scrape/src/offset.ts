import { createHash } from 'node:crypto'

/**
 * Where in each interval a target is scraped, in [0, intervalMs). Prometheus spreads its targets over
 * the interval by a hash of the target so that they are not all scraped at once; it does the same
 * here. The phase is pinned to wall-clock time (see {@link nextScrapeTimeMs}), and the seed defaults
 * to the empty string, so every node of a cluster computes the same phase for the same target: when a
 * target moves to another node, the new owner keeps scraping at the old owner's rhythm.
 */
export function computeScrapeOffsetMs(key: string, intervalMs: number, seed = ''): number {
  if (intervalMs <= 0) return 0
  const digest = createHash('sha256').update(seed).update('\0').update(key).digest()
  // 48 bits are exact in a double and far more than any interval in milliseconds.
  return digest.readUIntBE(0, 6) % Math.floor(intervalMs)
}

/**
 * The first time at or after `nowMs` whose position in the interval equals `offsetMs`. Computing every
 * scrape time this way from the clock keeps the schedule free of drift.
 */
export function nextScrapeTimeMs(nowMs: number, intervalMs: number, offsetMs: number): number {
  const base = nowMs - (nowMs % intervalMs) + offsetMs
  return base >= nowMs ? base : base + intervalMs
}
