/**
 * Exponential backoff between `minMs` and `maxMs`: the base doubles on every call and each delay is
 * drawn from [base / 2, base] (never below `minMs`), so that shards failing together do not retry in
 * lockstep.
 */
export class Backoff {
  readonly #minMs: number
  readonly #maxMs: number
  #baseMs: number

  constructor(minMs: number, maxMs: number) {
    this.#minMs = minMs
    this.#maxMs = maxMs
    this.#baseMs = minMs
  }

  next(): number {
    const base = this.#baseMs
    this.#baseMs = Math.min(base * 2, this.#maxMs)
    return Math.max(this.#minMs, base / 2 + (Math.random() * base) / 2)
  }
}
