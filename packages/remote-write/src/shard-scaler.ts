import type { Wal } from '@sluice/wal'

/** How often the shard count is looked at again (Prometheus's remote write does it every 10 s). */
export const RESHARD_INTERVAL_MS = 10_000
/** Above this share of their time busy sending, the shards in use double. */
const SCALE_UP_BUSY = 0.6
/** Below this share, for {@link SCALE_DOWN_ROUNDS} looks in a row, they halve. */
const SCALE_DOWN_BUSY = 0.15
const SCALE_DOWN_ROUNDS = 3

export interface ShardScalerOptions {
  /** The WAL the shards are logs of: its oldest unsent record ends a change's barrier. */
  wal: Wal
  /** queue_config's min_shards and max_shards, each clamped to [1, the WAL's shards]. */
  minShards: number
  maxShards: number
  /** false: always use `maxShards` (a clustered node, whose members must agree on the count). */
  dynamic: boolean
}

/**
 * How many of a WAL's shards (ordered logs) a remote-write endpoint uses now, between min_shards and
 * max_shards, as Prometheus scales its remote-write shards: more when sending keeps them busy, fewer
 * when it does not. Each shard is one request in flight, and fewer shards cost less per sample (a push
 * is split, compressed and stored as one block per shard it touches); more are needed when the
 * backend is slow.
 *
 * A series is in shard `hash % count`, so a change moves series between logs. Order survives through
 * a barrier: every record is stamped with its append time, a change takes effect at one instant,
 * appends split for the old count are refused from then on (the sink checks the count a push was
 * split with), and records appended after the change are not sent while the WAL still holds records
 * appended before it ({@link cutoff}). Changes can follow each other before the first barrier has
 * cleared: each epoch waits for the one before. The same barrier covers a restart: the records of the
 * previous run go out before anything newer.
 */
export class ShardScaler {
  readonly #wal: Wal
  readonly #min: number
  readonly #max: number
  readonly #dynamic: boolean
  #count: number
  /** Times of the changes whose older records may still be in the WAL, oldest first. */
  readonly #cutoffs: number[]
  #busyMs = 0
  #lastLook = performance.now()
  #quietRounds = 0

  constructor(options: ShardScalerOptions) {
    this.#wal = options.wal
    this.#max = Math.max(1, Math.min(options.maxShards, options.wal.shards))
    this.#min = Math.max(1, Math.min(options.minShards, this.#max))
    this.#dynamic = options.dynamic
    this.#count = this.#dynamic ? this.#min : this.#max
    this.#cutoffs = []
    this.#mark()
  }

  /** The shards in use: a push is split into this many. */
  get count(): number {
    return this.#count
  }

  /**
   * The time of the oldest change whose older records are still unsent, undefined when there is none.
   * A record appended after it must not be sent before them, nor in one batch with them; once they are
   * gone, the next change's time (if any) takes its place.
   */
  cutoff(): number | undefined {
    if (this.#cutoffs.length === 0) return undefined
    const oldest = this.#wal.stats().oldestAppendedAt
    while (this.#cutoffs.length > 0 && (oldest === undefined || oldest > this.#cutoffs[0]!))
      this.#cutoffs.shift()
    return this.#cutoffs[0]
  }

  /** A shard spent `ms` sending one batch (retries and backoff included). */
  busy(ms: number): void {
    this.#busyMs += ms
  }

  /**
   * Decides the count for the next interval from the share of time the shards in use spent sending
   * since the last look; returns the new count when it changed. While a barrier holds, newer records
   * wait and their shards look idle, so it only grows then (the shards draining older ones are busy).
   */
  evaluate(at = performance.now()): number | undefined {
    const elapsed = at - this.#lastLook
    const busy = elapsed > 0 ? this.#busyMs / (this.#count * elapsed) : 0
    this.#lastLook = at
    this.#busyMs = 0
    if (!this.#dynamic) return undefined
    const settled = this.cutoff() === undefined
    let next = this.#count
    if (busy > SCALE_UP_BUSY) {
      this.#quietRounds = 0
      next = Math.min(this.#max, this.#count * 2)
    } else if (!settled) {
      this.#quietRounds = 0
    } else if (busy < SCALE_DOWN_BUSY && ++this.#quietRounds >= SCALE_DOWN_ROUNDS) {
      this.#quietRounds = 0
      next = Math.max(this.#min, Math.floor(this.#count / 2))
    } else if (busy >= SCALE_DOWN_BUSY) this.#quietRounds = 0
    if (next === this.#count) return undefined
    this.set(next)
    return next
  }

  /** Switches to `count` shards now (clamped to min..max); records appended from now on wait for older ones. */
  set(count: number): void {
    const next = Math.max(this.#min, Math.min(this.#max, count))
    if (next === this.#count) return
    this.#count = next
    this.#mark()
  }

  /**
   * Starts a barrier at the newest append so far: what is appended from now on has a later time (the
   * WAL's append times strictly increase), whatever the clock's resolution. An empty WAL needs none.
   */
  #mark(): void {
    const last = this.#wal.lastAppendedAt()
    if (last !== undefined) this.#cutoffs.push(last)
  }
}
