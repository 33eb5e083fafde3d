/**
 * Exponential backoff between `minMs` and `maxMs`: the base delay doubles on every call, and each
 * returned delay is drawn from [base / 2, base] but never below `minMs`, so that shards failing
 * together do not retry in lockstep.
 */
export class Backoff {
  readonly #minMs: number
  readonly #maxMs: number
  readonly #random: () => number
  #baseMs: number

  constructor(minMs: number, maxMs: number, random: () => number = Math.random) {
    this.#minMs = minMs
    this.#maxMs = maxMs
    this.#random = random
    this.#baseMs = minMs
  }

  /** The next delay to wait, in milliseconds. */
  next(): number {
    const base = this.#baseMs
    this.#baseMs = Math.min(base * 2, this.#maxMs)
    return Math.max(this.#minMs, base / 2 + (this.#random() * base) / 2)
  }
}
