import type { Wal } from '@sluice/wal'

/** How often the shard count is looked at again (Prometheus's remote write does it every 10 s). */
export const RESHARD_INTERVAL_MS = 10_000
/** A desired count within this fraction of the current one changes nothing (Prometheus's tolerance). */
const TOLERANCE = 0.3
/** Share of the backlog a new count aims to catch up on per second, as in Prometheus. */
const BACKLOG_CATCHUP = 0.05
/** Further behind than this (seconds), the count does not shrink. */
const NO_SHRINK_DELAY_S = 10

export interface ShardScalerOptions {
  /** The WAL the shards are logs of: its oldest unsent record ends a change's barrier. */
  wal: Wal
  /** queue_config's min_shards and max_shards, each clamped to [1, the WAL's shards]. */
  minShards: number
  maxShards: number
  /**
   * `dynamic`: the count follows this node's load. `agreed`: the load decides what this node wants
   * ({@link ShardScaler.wanted}), and the count changes only when told ({@link ShardScaler.set}): a
   * clustered node, whose members split series for each other and must use one count. `fixed`: always
   * `maxShards`.
   */
  mode: 'dynamic' | 'agreed' | 'fixed'
}

/**
 * How many of a WAL's shards (ordered logs) a remote-write endpoint uses now, between min_shards and
 * max_shards, decided as Prometheus decides its remote-write shards: every 10 s the time one sample
 * took to send is multiplied by the rate samples arrived at, plus a share of the backlog, and the
 * count changes when that differs from it by more than 30%. Unlike Prometheus, the time counted is
 * all the time a shard was busy, not only its requests: on one event loop the turns a shard waits
 * for between two requests cost it as much as a request to a fast backend. Each shard is one request
 * in flight, and fewer shards cost less per sample (a push is split, compressed and stored as one
 * block per shard it touches; one push taken whole onto one shard is stored as it arrived); more are
 * needed when the backend is slow.
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
  readonly #mode: ShardScalerOptions['mode']
  #count: number
  #wanted: number
  /** Times of the changes whose older records may still be in the WAL, oldest first. */
  readonly #cutoffs: number[]
  /** Since the last look: samples that left (sent or dropped) and the time their sends took. */
  #outSamples = 0
  #outMs = 0
  /** Samples the WAL held at the last look: what arrived since is what left plus what it holds more. */
  #lastPending: number
  #lastLook = performance.now()
  #desired = 0

  constructor(options: ShardScalerOptions) {
    this.#wal = options.wal
    this.#max = Math.max(1, Math.min(options.maxShards, options.wal.shards))
    this.#min = Math.max(1, Math.min(options.minShards, this.#max))
    this.#mode = options.mode
    this.#count = this.#mode === 'fixed' ? this.#max : this.#min
    this.#wanted = this.#count
    this.#cutoffs = []
    this.#lastPending = options.wal.stats().samples
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

  /**
   * A batch of `samples` left the queue (sent, or dropped by the backend), its shard busy with it for
   * `ms` (see ShardReaderOptions.delivered: the request, and the loop's own time around it).
   */
  delivered(samples: number, ms: number): void {
    this.#outSamples += samples
    this.#outMs += ms
  }

  /** The count the last look asked for, before tolerance and bounds (0 before the first look). */
  get desired(): number {
    return this.#desired
  }

  /** The count this node's load asks for, within min..max: {@link count} unless the mode is `agreed`. */
  get wanted(): number {
    return this.#wanted
  }

  /**
   * Decides the count for the next interval from what happened since the last look; returns the new
   * count when it changed (in `agreed` mode: the new {@link wanted}, the count itself unchanged).
   * Samples in are those that left plus the growth of the WAL's backlog; the delay is the age of its
   * oldest record. While a barrier holds, newer records wait and their shards
   * look idle, so the count only grows then; it does not shrink either while the queue is more than
   * 10 s behind. A look with nothing sent keeps the count, unless nothing arrived and nothing waits.
   */
  evaluate(at = performance.now()): number | undefined {
    const seconds = (at - this.#lastLook) / 1000
    const stats = this.#wal.stats()
    const outSamples = this.#outSamples
    const outMs = this.#outMs
    const inSamples = Math.max(0, outSamples + stats.samples - this.#lastPending)
    this.#lastLook = at
    this.#lastPending = stats.samples
    this.#outSamples = 0
    this.#outMs = 0
    if (this.#mode === 'fixed' || !(seconds > 0)) return undefined
    const delay =
      stats.oldestAppendedAt === undefined
        ? 0
        : Math.max(0, (performance.timeOrigin + at - stats.oldestAppendedAt) / 1000)
    if (outSamples > 0) {
      const inRate = inSamples / seconds
      const secondsPerSample = outMs / 1000 / outSamples
      this.#desired = secondsPerSample * (inRate + BACKLOG_CATCHUP * delay * inRate)
    } else if (inSamples === 0 && stats.records === 0) {
      this.#desired = 0
    } else {
      // Nothing went out (the backend is down, or a barrier holds every shard): no measure of need.
      return undefined
    }
    const count = this.#count
    // Rounded up, as Prometheus does; the epsilon keeps 3.0000000000000004 (floating point) at 3.
    const wanted = Math.ceil(this.#desired - 1e-9)
    let next = Math.max(this.#min, Math.min(this.#max, wanted))
    if (wanted >= count * (1 - TOLERANCE) && wanted <= count * (1 + TOLERANCE)) next = count
    else if (wanted < count && (delay > NO_SHRINK_DELAY_S || this.cutoff() !== undefined)) next = count
    if (this.#mode === 'agreed') {
      if (next === this.#wanted) return undefined
      this.#wanted = next
      return next
    }
    if (next === count) return undefined
    this.set(next)
    return next
  }

  /** Switches to `count` shards now (clamped to min..max); records appended from now on wait for older ones. */
  set(count: number): void {
    const next = Math.max(this.#min, Math.min(this.#max, count))
    if (next === this.#count) return
    this.#count = next
    if (this.#mode !== 'agreed') this.#wanted = next
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
