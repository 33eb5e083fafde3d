import { threadId } from 'node:worker_threads'

/**
 * The per-push deadline. The main thread cannot see when piscina starts a task on a thread, so the
 * task carries a small shared cell that the worker stamps with its thread id and start time, and
 * marks when it ends; the main thread's timer measures from the stamp, so time spent waiting in the
 * queue does not count.
 *
 * piscina's own AbortSignal support is not used: piscina never sends a second task to a thread that
 * runs an abortable one, which would undo `concurrentTasksPerWorker` (see pipeline.ts).
 */

/** Milliseconds on a clock both threads share (each thread's `timeOrigin` differs, their sum does not). */
function now(): number {
  return performance.timeOrigin + performance.now()
}

/**
 * `[start, threadId]`: start is 0 until the worker begins the task, then its start in whole
 * microseconds, then -1 once it ended.
 */
export type StartCell = BigInt64Array<SharedArrayBuffer>

export function newStartCell(): StartCell {
  return new BigInt64Array(new SharedArrayBuffer(16))
}

/** Called by the worker as it begins a task. */
export function stampStart(cell: StartCell): void {
  // The thread id is stored first: a reader that sees the start sees the id (Atomics are ordered).
  Atomics.store(cell, 1, BigInt(threadId))
  Atomics.store(cell, 0, BigInt(Math.round(now() * 1000)))
}

/** Called by the worker as the task ends, however it ends. */
export function stampEnd(cell: StartCell): void {
  Atomics.store(cell, 0, -1n)
}

/**
 * Calls `onExpired(threadId)` once the task stamped in `cell` has run for `timeoutMs` without
 * ending. Until the stamp appears the timer re-arms for a full period.
 */
export class Deadline {
  readonly #cell: StartCell
  readonly #timeoutMs: number
  readonly #onExpired: (threadId: number) => void
  #timer: NodeJS.Timeout | null = null

  constructor(cell: StartCell, timeoutMs: number, onExpired: (threadId: number) => void) {
    this.#cell = cell
    this.#timeoutMs = timeoutMs
    this.#onExpired = onExpired
    this.#arm(timeoutMs)
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#check(), ms)
  }

  #check(): void {
    this.#timer = null
    const started = Atomics.load(this.#cell, 0)
    if (started < 0n) return
    if (started === 0n) {
      this.#arm(this.#timeoutMs)
      return
    }
    const left = Number(started) / 1000 + this.#timeoutMs - now()
    if (left <= 0) this.#onExpired(Number(Atomics.load(this.#cell, 1)))
    else this.#arm(Math.ceil(left))
  }

  /** Stops the timer (the task ended). */
  clear(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }
}
