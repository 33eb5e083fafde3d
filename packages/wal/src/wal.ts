import { type Logger, nullLogger, Registry } from '@sluice/telemetry'
import { ClassicLevel } from 'classic-level'
import { WalClosedError, WalOptionsError, WalShardError, WalWriteError } from './errors.ts'
import {
  decodeKey,
  decodeValue,
  encodeKey,
  encodeValue,
  KEY_BYTES,
  MAX_SEQ,
  MAX_SHARDS,
  VALUE_HEADER_BYTES,
} from './keys.ts'
import { type WalDropReason, WalMetrics } from './metrics.ts'
import { WalRecord } from './record.ts'
import { ShardIndex } from './shard-index.ts'

/** Options of {@link Wal.open}. */
export interface WalOptions {
  /** Directory of the LevelDB database; created if missing. One WAL per component. */
  path: string
  /** Number of shards, 1 to 65536. Each shard is an independent ordered log. */
  shards: number
  /** Upper bound of stored bytes (keys and values); beyond it the oldest records are dropped. */
  maxBytes?: number
  /** Records older than this are dropped. */
  maxAgeMs?: number
  registry?: Registry
  logger?: Logger
  /** The `component` label of the metrics, e.g. `prometheus.remote_write.default`. */
  component?: string
  /**
   * fsync every append before it resolves. Without it (the default) a resolved append survives a
   * crash of the process, SIGKILL included, because the data is in the operating system's page cache;
   * it does not survive a power loss or a kernel crash.
   */
  sync?: boolean
}

/** Accounting of one shard. */
export interface WalShardStats {
  bytes: number
  records: number
  samples: number
  /** Seq of the newest record held, or -1 when the shard is empty. */
  lastSeq: number
  oldestAppendedAt: number | undefined
}

/** Accounting of the whole WAL, from the in-memory index (no disk access). */
export interface WalStats {
  bytes: number
  records: number
  samples: number
  oldestAppendedAt: number | undefined
  perShard: WalShardStats[]
}

interface Waiter {
  readonly afterSeq: number
  readonly done: () => void
}

type Db = ClassicLevel<Buffer, Buffer>
type PutOp = { type: 'put'; key: Buffer; value: Buffer }
type DelOp = { type: 'del'; key: Buffer }

const DROP_LOG_INTERVAL_MS = 10_000

/**
 * A sharded write-ahead log on one LevelDB database.
 *
 * Every shard is an ordered log: records get increasing sequence numbers in the order `append` was
 * called, and all writes of a shard (appends, acknowledgements, drops) run one after the other on a
 * promise chain, so order holds with concurrent callers. Readers follow a shard with `read` and
 * `waitForData`, and delete what was delivered with `ack`.
 *
 * When full (`maxBytes`) or when records are too old (`maxAgeMs`), the oldest records are dropped and
 * counted, rather than refusing appends: this is what vmagent does when `-remoteWrite.maxDiskUsagePerURL`
 * is reached and what Alloy's WAL does on truncation by age — a backend that is down for long loses
 * the oldest data, and the edge keeps being answered.
 */
export class Wal {
  /** The shard count given to `open`. */
  readonly shards: number
  readonly #db: Db
  readonly #sync: boolean
  readonly #maxBytes: number
  readonly #maxAgeMs: number
  readonly #logger: Logger
  readonly #component: string
  readonly #metrics: WalMetrics
  readonly #index: ShardIndex[] = []
  readonly #nextSeq: number[] = []
  readonly #chains: Promise<void>[] = []
  readonly #waiters: Set<Waiter>[] = []
  #timer: NodeJS.Timeout | undefined
  #closing: Promise<void> | undefined
  #droppedSinceLog = 0
  #lastDropLog = 0

  private constructor(db: Db, options: WalOptions) {
    this.shards = options.shards
    this.#db = db
    this.#sync = options.sync ?? false
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    this.#maxAgeMs = options.maxAgeMs ?? Number.POSITIVE_INFINITY
    this.#logger = options.logger ?? nullLogger
    this.#component = options.component ?? 'wal'
    for (let shard = 0; shard < this.shards; shard++) {
      this.#index.push(new ShardIndex())
      this.#nextSeq.push(1)
      this.#chains.push(Promise.resolve())
      this.#waiters.push(new Set())
    }
    this.#metrics = new WalMetrics(options.registry ?? new Registry(), {
      component: this.#component,
      stats: () => this.stats(),
    })
  }

  /**
   * Opens (or creates) the WAL at `options.path` and replays it: the in-memory index of every shard
   * is rebuilt from the keys and value headers on disk, so sequence numbers continue after the last
   * record and byte and age accounting hold. Records of shards beyond `options.shards` (the shard count
   * was lowered) are moved to shard `id % shards`, after its own records, so that nothing is lost.
   */
  static async open(options: WalOptions): Promise<Wal> {
    if (!Number.isInteger(options.shards) || options.shards < 1 || options.shards > MAX_SHARDS) {
      throw new WalOptionsError(`shards must be an integer in [1, ${MAX_SHARDS}], got ${options.shards}`)
    }
    for (const name of ['maxBytes', 'maxAgeMs'] as const) {
      const value = options[name]
      if (value !== undefined && !(value > 0))
        throw new WalOptionsError(`${name} must be positive, got ${value}`)
    }
    const db: Db = new ClassicLevel<Buffer, Buffer>(options.path, {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
    })
    await db.open()
    const wal = new Wal(db, options)
    try {
      await wal.#replay()
    } catch (err) {
      await db.close()
      throw err
    }
    if (Number.isFinite(wal.#maxAgeMs)) {
      // Age is checked on a timer too, because an idle WAL gets no appends to trigger the check.
      const period = Math.min(Math.max(wal.#maxAgeMs / 4, 100), 60_000)
      wal.#timer = setInterval(() => wal.#dropBeyondLimits(), period)
      wal.#timer.unref()
    }
    wal.#dropBeyondLimits()
    return wal
  }

  async #replay(): Promise<void> {
    let replayed = 0
    let moved: (PutOp | DelOp)[] = []
    const iterator = this.#db.iterator()
    try {
      for (;;) {
        const entries = await iterator.nextv(1000)
        if (entries.length === 0) break
        for (const [key, value] of entries) {
          const { shard, seq } = decodeKey(key)
          const { appendedAt, samples } = decodeValue(value)
          let target = shard
          let targetSeq = seq
          if (shard >= this.shards) {
            // Keys sort by shard first, so every in-range shard is fully replayed by now.
            target = shard % this.shards
            targetSeq = this.#nextSeq[target]!
            const newKey = encodeKey(target, targetSeq)
            moved.push({ type: 'put', key: newKey, value }, { type: 'del', key })
          }
          this.#index[target]!.push(targetSeq, key.byteLength + value.byteLength, samples, appendedAt)
          this.#nextSeq[target] = targetSeq + 1
          replayed++
        }
        if (moved.length >= 1000) {
          await this.#db.batch(moved, { sync: this.#sync })
          moved = []
        }
      }
    } finally {
      await iterator.close()
    }
    if (moved.length > 0) await this.#db.batch(moved, { sync: this.#sync })
    this.#metrics.replayed(replayed)
    if (replayed > 0) this.#logger.info({ component: this.#component, records: replayed }, 'replayed the WAL')
  }

  /**
   * Appends `payloads` to `shard` as one LevelDB batch and resolves once the batch is written (and
   * fsynced when `sync` is set). Records of a shard are ordered as the calls were made.
   */
  async append(shard: number, payloads: readonly { payload: Uint8Array; samples: number }[]): Promise<void> {
    this.#check(shard)
    if (payloads.length === 0) return
    const started = performance.now()
    // Sub-millisecond time, so that records appended to different shards within one millisecond
    // still have an order when the oldest of them must be dropped.
    const appendedAt = performance.timeOrigin + started
    const index = this.#index[shard]!
    const ops: PutOp[] = []
    const firstSeq = this.#nextSeq[shard]!
    // Sequence numbers are taken now, synchronously, so that call order is the order on disk.
    this.#nextSeq[shard] = firstSeq + payloads.length
    for (let i = 0; i < payloads.length; i++) {
      const { payload, samples } = payloads[i]!
      ops.push({
        type: 'put',
        key: encodeKey(shard, firstSeq + i),
        value: encodeValue(appendedAt, samples, payload),
      })
    }
    await this.#enqueue(shard, async () => {
      try {
        await this.#db.batch(ops, { sync: this.#sync })
      } catch (err) {
        throw new WalWriteError(`append to WAL shard ${shard} failed`, err)
      }
      for (let i = 0; i < ops.length; i++) {
        const { payload, samples } = payloads[i]!
        index.push(firstSeq + i, KEY_BYTES + VALUE_HEADER_BYTES + payload.byteLength, samples, appendedAt)
      }
      this.#wake(shard)
    })
    this.#metrics.observeAppend((performance.now() - started) / 1000)
    this.#dropBeyondLimits()
  }

  /**
   * Up to `maxRecords` records of `shard` with a seq greater than `afterSeq`, in order, stopping before
   * the payloads exceed `maxBytes` (but always at least one record when there is one).
   */
  async read(shard: number, afterSeq: number, maxRecords: number, maxBytes: number): Promise<WalRecord[]> {
    this.#check(shard)
    const records: WalRecord[] = []
    let bytes = 0
    try {
      const iterator = this.#db.iterator({
        gt: encodeKey(shard, Math.max(0, afterSeq)),
        lte: encodeKey(shard, MAX_SEQ),
        limit: maxRecords,
      })
      try {
        for await (const [key, value] of iterator) {
          const { appendedAt, samples, payload } = decodeValue(value)
          if (records.length > 0 && bytes + payload.byteLength > maxBytes) break
          bytes += payload.byteLength
          records.push(new WalRecord(decodeKey(key).seq, shard, payload, samples, appendedAt))
        }
      } finally {
        await iterator.close()
      }
    } catch (err) {
      if (this.#closing !== undefined) throw new WalClosedError()
      throw err
    }
    return records
  }

  /** Deletes the records of `shard` with a seq up to and including `uptoSeq` (they were delivered). */
  async ack(shard: number, uptoSeq: number): Promise<void> {
    this.#check(shard)
    const index = this.#index[shard]!
    await this.#enqueue(shard, async () => {
      const ops: DelOp[] = []
      while (index.length > 0 && index.firstSeq() <= uptoSeq) {
        ops.push({ type: 'del', key: encodeKey(shard, index.shift()[0]) })
      }
      if (ops.length === 0) return
      try {
        await this.#db.batch(ops, { sync: this.#sync })
      } catch (err) {
        throw new WalWriteError(`acknowledging WAL shard ${shard} up to ${uptoSeq} failed`, err)
      }
    })
  }

  /**
   * Resolves as soon as `shard` holds a record with a seq greater than `afterSeq` — at once if it does
   * already — or when `signal` aborts, or when the WAL closes. It never rejects on abort: the caller
   * checks its own state after waking.
   */
  waitForData(shard: number, afterSeq: number, signal?: AbortSignal): Promise<void> {
    this.#check(shard)
    if (this.#index[shard]!.lastSeq() > afterSeq || signal?.aborted) return Promise.resolve()
    const waiters = this.#waiters[shard]!
    return new Promise((resolve) => {
      const done = (): void => {
        waiters.delete(waiter)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const waiter: Waiter = { afterSeq, done }
      waiters.add(waiter)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  /**
   * Drops at once the records beyond `maxAgeMs` and `maxBytes`, oldest first; the WAL also does it
   * after every append and on a timer. Resolves when the deletions are written.
   */
  async enforceLimits(): Promise<void> {
    await this.#dropBeyondLimits()
    // Deletions queued by earlier appends' checks are awaited too.
    await Promise.all(this.#chains)
  }

  /** Current accounting, from memory. */
  stats(): WalStats {
    const perShard: WalShardStats[] = []
    let bytes = 0
    let records = 0
    let samples = 0
    let oldestAppendedAt: number | undefined
    for (const index of this.#index) {
      const oldest = index.length > 0 ? index.firstAppendedAt() : undefined
      perShard.push({
        bytes: index.totalBytes,
        records: index.length,
        samples: index.totalSamples,
        lastSeq: index.lastSeq(),
        oldestAppendedAt: oldest,
      })
      bytes += index.totalBytes
      records += index.length
      samples += index.totalSamples
      if (oldest !== undefined && (oldestAppendedAt === undefined || oldest < oldestAppendedAt)) {
        oldestAppendedAt = oldest
      }
    }
    return { bytes, records, samples, oldestAppendedAt, perShard }
  }

  /** Waits for pending writes, wakes all waiters and closes the database. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer)
      for (const waiters of this.#waiters) for (const waiter of waiters) waiter.done()
      await Promise.all(this.#chains)
      this.#metrics.detach()
      await this.#db.close()
    })()
    return this.#closing
  }

  #check(shard: number): void {
    if (this.#closing !== undefined) throw new WalClosedError()
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.shards)
      throw new WalShardError(shard, this.shards)
  }

  /** Runs `task` after every earlier write of `shard`; a failed task does not stop the chain. */
  #enqueue(shard: number, task: () => Promise<void>): Promise<void> {
    const run = this.#chains[shard]!.then(task)
    this.#chains[shard] = run.catch(() => {})
    return run
  }

  #wake(shard: number): void {
    const last = this.#index[shard]!.lastSeq()
    for (const waiter of this.#waiters[shard]!) if (last > waiter.afterSeq) waiter.done()
  }

  /**
   * Removes the records beyond the limits from the index at once (so accounting is exact right away)
   * and queues their deletion on their shard's chain.
   */
  #dropBeyondLimits(): Promise<void> {
    if (this.#closing !== undefined) return Promise.resolve()
    const deletes: DelOp[][] = this.#index.map(() => [])
    const drop = (shard: number, reason: WalDropReason): void => {
      const [seq, , samples] = this.#index[shard]!.shift()
      deletes[shard]!.push({ type: 'del', key: encodeKey(shard, seq) })
      this.#metrics.dropped(reason, samples)
      this.#droppedSinceLog += samples
    }
    if (Number.isFinite(this.#maxAgeMs)) {
      const cutoff = Date.now() - this.#maxAgeMs
      this.#index.forEach((index, shard) => {
        while (index.length > 0 && index.firstAppendedAt() < cutoff) drop(shard, 'max_age')
      })
    }
    if (Number.isFinite(this.#maxBytes)) {
      let bytes = this.#index.reduce((sum, index) => sum + index.totalBytes, 0)
      while (bytes > this.#maxBytes) {
        const shard = this.#oldestShard()
        const before = this.#index[shard]!.totalBytes
        drop(shard, 'max_size')
        bytes -= before - this.#index[shard]!.totalBytes
      }
    }
    const writes: Promise<void>[] = []
    deletes.forEach((ops, shard) => {
      if (ops.length === 0) return
      writes.push(
        this.#enqueue(shard, async () => {
          await this.#db.batch(ops, { sync: this.#sync })
        }),
      )
    })
    if (writes.length === 0) return Promise.resolve()
    this.#logDrops()
    const all = Promise.all(writes).then(() => {})
    all.catch((err: unknown) =>
      this.#logger.error({ err, component: this.#component }, 'deleting dropped WAL records failed'),
    )
    return all
  }

  /** The shard whose first record is the oldest; called only while some shard holds records. */
  #oldestShard(): number {
    let best = -1
    let bestAt = Number.POSITIVE_INFINITY
    this.#index.forEach((index, shard) => {
      if (index.length > 0 && (best === -1 || index.firstAppendedAt() < bestAt)) {
        best = shard
        bestAt = index.firstAppendedAt()
      }
    })
    return best
  }

  /** Drops can happen on every append while a backend is down: log them at most every 10 s. */
  #logDrops(): void {
    const now = Date.now()
    if (now - this.#lastDropLog < DROP_LOG_INTERVAL_MS) return
    this.#logger.warn(
      { component: this.#component, samples: this.#droppedSinceLog },
      'WAL full or records too old: dropped the oldest samples',
    )
    this.#lastDropLog = now
    this.#droppedSinceLog = 0
  }
}
