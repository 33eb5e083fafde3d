/** Slots in the table; a power of two so the probe wraps with a mask. */
const SLOTS = 4096
/** Stop adding at half full so probes stay short; later misses just return a fresh slice. */
const MAX_ENTRIES = SLOTS / 2

/**
 * Maps a range of the body to one shared string, so the label names (and short label values) that
 * repeat on every line are allocated once per parse rather than once per sample. A lookup hashes the
 * range and compares in place with `startsWith`, so a hit allocates nothing. The table is bounded:
 * a body with many distinct values cannot grow it past {@link MAX_ENTRIES}.
 */
export class Interner {
  readonly #slots: (string | undefined)[] = new Array(SLOTS).fill(undefined)
  #entries = 0

  /** The string `src.slice(start, end)`, shared with earlier calls for the same text. */
  intern(src: string, start: number, end: number): string {
    let hash = 0x811c9dc5
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ src.charCodeAt(i), 0x01000193)
    const len = end - start
    const mask = SLOTS - 1
    let slot = hash & mask
    for (;;) {
      const candidate = this.#slots[slot]
      if (candidate === undefined) break
      if (candidate.length === len && src.startsWith(candidate, start)) return candidate
      slot = (slot + 1) & mask
    }
    const fresh = src.slice(start, end)
    if (this.#entries < MAX_ENTRIES) {
      this.#slots[slot] = fresh
      this.#entries++
    }
    return fresh
  }
}
