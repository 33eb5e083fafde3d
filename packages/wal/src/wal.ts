import { type Logger, nullLogger, Registry } from '@sluice/telemetry'
import { ClassicLevel } from 'classic-level'
import { WalClosedError, WalFormatError, WalOptionsError, WalShardError, WalWriteError } from './errors.ts'
import {
  decodeKey,
  encodeKey,
  encodeValue,
  FORMAT_KEY,
  KEY_BYTES,
  MAX_SEQ,
  MAX_SHARDS,
  seqBound,
} from './keys.ts'
import { type WalDropReason, WalMetrics } from './metrics.ts'
import { WalRecord } from './record.ts'
import { ShardIndex } from './shard-index.ts'
import { ShardTail } from './shard-tail.ts'
import { type WalOp, WriteGroups } from './write-group.ts'

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
  /**
   * Payload bytes of the newest records kept in memory as well, so that a reader that keeps up is
   * served without reading LevelDB. One budget for all shards: past it, the oldest records of the
   * shard holding the most are evicted (a sender often uses a few of its shards, and the one in use
   * gets the whole budget). Default 64 MiB; 0 turns it off.
   */
  memoryBytes?: number
  /**
   * LevelDB's memtable size. Default 32 MiB: most records are acknowledged within a second, and a
   * memtable that holds them until then spares LevelDB flushing and compacting data already deleted.
   */
  writeBufferBytes?: number
  /**
   * LevelDB's block compression. Default off: records live for milliseconds to seconds, and
   * compressing bytes that die young cost a millisecond of CPU per 500 kB written under load.
   */
  compression?: boolean
  /**
   * What the payloads are, as the caller names it (e.g. `prometheus-remote-write-1.0+snappy`). Stored
   * in the database; `open` refuses a WAL that holds records of another format (an empty one is
   * taken over). Default: none, which matches only a WAL written without a format.
   */
  format?: string
}

/** One record for {@link Wal.appendShards}. */
export interface WalAppend {
  shard: number
  payload: Uint8Array
  samples: number
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
type PutOp = Extract<WalOp, { type: 'put' }>
type DelOp = Extract<WalOp, { type: 'del' }>

const DEFAULT_MEMORY_BYTES = 64 << 20
const DEFAULT_WRITE_BUFFER_BYTES = 32 << 20

const DROP_LOG_INTERVAL_MS = 10_000

/**
 * A sharded write-ahead log on one LevelDB database.
 *
 * Every shard is an ordered log: records get increasing sequence numbers in the order `append` was
 * called, and all writes (appends, acknowledgements, drops, of every shard) are written in call order
 * by group commit, one LevelDB batch per group, so order holds with concurrent callers. Readers follow
 * a shard with `read` and `waitForData`, and delete what was delivered with `ack`; the newest records
 * are also kept in memory (`memoryBytes`), so a reader that keeps up never reads LevelDB.
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
  readonly #path: string
  readonly #sync: boolean
  readonly #maxBytes: number
  readonly #maxAgeMs: number
  readonly #logger: Logger
  readonly #component: string
  readonly #metrics: WalMetrics
  readonly #index: ShardIndex[] = []
  readonly #tails: ShardTail[] = []
  readonly #tailBytes: number
  readonly #nextSeq: number[] = []
  readonly #groups: WriteGroups
  readonly #waiters: Set<Waiter>[] = []
  #timer: NodeJS.Timeout | undefined
  #closing: Promise<void> | undefined
  #droppedSinceLog = 0
  #lastDropLog = 0
  #lastAppendedAt = Number.NEGATIVE_INFINITY

  private constructor(db: Db, options: WalOptions) {
    this.shards = options.shards
    this.#db = db
    this.#path = options.path
    this.#sync = options.sync ?? false
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    this.#maxAgeMs = options.maxAgeMs ?? Number.POSITIVE_INFINITY
    this.#logger = options.logger ?? nullLogger
    this.#component = options.component ?? 'wal'
    this.#tailBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES
    this.#groups = new WriteGroups((ops) => this.#db.batch(ops, { sync: this.#sync }))
    for (let shard = 0; shard < this.shards; shard++) {
      this.#index.push(new ShardIndex())
      this.#nextSeq.push(1)
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
    for (const name of ['memoryBytes', 'writeBufferBytes'] as const) {
      const value = options[name]
      if (value !== undefined && !(value >= 0))
        throw new WalOptionsError(`${name} must not be negative, got ${value}`)
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
    await db.open({
      compression: options.compression ?? false,
      writeBufferSize: options.writeBufferBytes || DEFAULT_WRITE_BUFFER_BYTES,
    })
    const wal = new Wal(db, options)
    try {
      await wal.#replay()
      await wal.#checkFormat(options.format ?? '')
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

  /** Refuses records of another payload format; marks an empty WAL with this one. */
  async #checkFormat(format: string): Promise<void> {
    const stored = (await this.#db.get(FORMAT_KEY))?.toString('utf8') ?? ''
    if (stored === format) return
    if (this.#index.some((index) => index.length > 0)) {
      throw new WalFormatError(this.#path, stored === '' ? 'records without a format' : `${stored} records`)
    }
    if (format === '') await this.#db.del(FORMAT_KEY)
    else await this.#db.put(FORMAT_KEY, Buffer.from(format, 'utf8'), { sync: this.#sync })
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
          if (key.byteLength === FORMAT_KEY.byteLength && FORMAT_KEY.equals(key)) continue
          if (key.byteLength !== KEY_BYTES)
            throw new WalFormatError(this.#path, `${key.byteLength}-byte keys`)
          const { shard, seq, appendedAt, samples } = decodeKey(key)
          let target = shard
          let targetSeq = seq
          if (shard >= this.shards) {
            // Keys sort by shard first, so every in-range shard is fully replayed by now.
            target = shard % this.shards
            targetSeq = this.#nextSeq[target]!
            const newKey = encodeKey(target, targetSeq, appendedAt, samples)
            moved.push({ type: 'put', key: newKey, value }, { type: 'del', key })
          }
          this.#index[target]!.push(targetSeq, key.byteLength + value.byteLength, samples, appendedAt)
          if (appendedAt > this.#lastAppendedAt) this.#lastAppendedAt = appendedAt
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
    for (const index of this.#index) this.#tails.push(new ShardTail(index.lastSeq()))
    this.#metrics.replayed(replayed)
    if (replayed > 0) this.#logger.info({ component: this.#component, records: replayed }, 'replayed the WAL')
  }

  /**
   * Appends `payloads` to `shard`: {@link appendShards} for one shard.
   */
  append(shard: number, payloads: readonly { payload: Uint8Array; samples: number }[]): Promise<void> {
    return this.appendShards(payloads.map(({ payload, samples }) => ({ shard, payload, samples })))
  }

  /**
   * Appends each entry to its shard and resolves once they are all written (and fsynced when `sync` is
   * set), atomically, in a LevelDB batch shared with the writes made meanwhile. Records of a shard are
   * ordered as the calls were made, and as the entries are within a call. The WAL keeps the payloads
   * (not copies) in memory until they are acknowledged or evicted: callers must not modify them
   * afterwards. One call for all the shards a push lands in costs one group-commit entry, one
   * acknowledgement callback and one latency observation instead of one per shard.
   */
  async appendShards(entries: readonly WalAppend[]): Promise<void> {
    for (const entry of entries) this.#check(entry.shard)
    if (entries.length === 0) return
    const started = performance.now()
    // Sub-millisecond time, so that records appended to different shards within one millisecond
    // still have an order when the oldest of them must be dropped; strictly increasing from call to
    // call (a double this large resolves about 0.25 us), so that lastAppendedAt separates calls.
    const appendedAt = Math.max(performance.timeOrigin + started, this.#lastAppendedAt + 0.001)
    this.#lastAppendedAt = appendedAt
    const ops: PutOp[] = []
    const seqs: number[] = []
    for (const { shard, payload, samples } of entries) {
      // Sequence numbers are taken now, synchronously, so that call order is the order on disk.
      const seq = this.#nextSeq[shard]!
      this.#nextSeq[shard] = seq + 1
      seqs.push(seq)
      ops.push({ type: 'put', key: encodeKey(shard, seq, appendedAt, samples), value: encodeValue(payload) })
    }
    try {
      await this.#groups.write(ops, () => {
        for (let i = 0; i < entries.length; i++) {
          const { shard, payload, samples } = entries[i]!
          const tail = this.#tails[shard]!
          this.#index[shard]!.push(seqs[i]!, KEY_BYTES + payload.byteLength, samples, appendedAt)
          tail.push(new WalRecord(seqs[i]!, shard, payload, samples, appendedAt))
          this.#wake(shard)
        }
        this.#evictTails()
      })
    } catch (err) {
      const shards = [...new Set(entries.map((e) => e.shard))].join(', ')
      throw new WalWriteError(`append to WAL shards ${shards} failed`, err)
    }
    this.#metrics.observeAppend((performance.now() - started) / 1000)
    this.#dropBeyondLimits()
  }

  /**
   * The append time of the newest record ever appended (or replayed), undefined before the first.
   * Every later append gets a later time: what was appended up to now is exactly what has an append
   * time at or before it.
   */
  lastAppendedAt(): number | undefined {
    return this.#lastAppendedAt === Number.NEGATIVE_INFINITY ? undefined : this.#lastAppendedAt
  }

  /**
   * Up to `maxRecords` records of `shard` with a seq greater than `afterSeq`, in order, stopping before
   * the payloads exceed `maxBytes` (but always at least one record when there is one).
   */
  async read(shard: number, afterSeq: number, maxRecords: number, maxBytes: number): Promise<WalRecord[]> {
    this.#check(shard)
    const fromMemory = this.#tails[shard]!.read(afterSeq, maxRecords, maxBytes)
    if (fromMemory !== undefined) return fromMemory
    const records: WalRecord[] = []
    let bytes = 0
    try {
      const iterator = this.#db.iterator({
        gte: seqBound(shard, Math.max(0, afterSeq) + 1),
        lt: seqBound(shard, MAX_SEQ),
        limit: maxRecords,
      })
      try {
        for await (const [key, value] of iterator) {
          const { seq, appendedAt, samples } = decodeKey(key)
          if (records.length > 0 && bytes + value.byteLength > maxBytes) break
          bytes += value.byteLength
          records.push(new WalRecord(seq, shard, value, samples, appendedAt))
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
    // The index forgets the records now: they are delivered, whether or not the delete is written yet
    // (a delete lost in a crash only means a record sent twice, which at-least-once allows).
    const ops: DelOp[] = []
    while (index.length > 0 && index.firstSeq() <= uptoSeq) {
      ops.push({ type: 'del', key: shiftKey(index, shard) })
    }
    this.#tails[shard]!.removeThrough(uptoSeq)
    if (ops.length === 0) return
    try {
      await this.#groups.write(ops)
    } catch (err) {
      throw new WalWriteError(`acknowledging WAL shard ${shard} up to ${uptoSeq} failed`, err)
    }
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
    await this.#groups.idle()
  }

  /**
   * Resolves true once the WAL holds no record (its reader acknowledged everything), or false when
   * `timeoutMs` passes first; a node that shuts down uses it to let its queues deliver.
   */
  async waitUntilEmpty(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (this.stats().records > 0) {
      if (Date.now() >= deadline) return false
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return true
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
      await this.#groups.idle()
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

  /** Evicts from the largest memory tails until all of them together are within the budget. */
  #evictTails(): void {
    const tails = this.#tails
    let total = 0
    for (const tail of tails) total += tail.bytes
    while (total > this.#tailBytes) {
      let largest = tails[0]!
      for (const tail of tails) if (tail.bytes > largest.bytes) largest = tail
      const before = largest.bytes
      largest.evict()
      total -= before - largest.bytes
    }
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
    const deletes: DelOp[] = []
    const drop = (shard: number, reason: WalDropReason): void => {
      const index = this.#index[shard]!
      const appendedAt = index.firstAppendedAt()
      const [seq, , samples] = index.shift()
      this.#tails[shard]!.removeThrough(seq)
      deletes.push({ type: 'del', key: encodeKey(shard, seq, appendedAt, samples) })
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
    if (deletes.length === 0) return Promise.resolve()
    this.#logDrops()
    const all = this.#groups.write(deletes)
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

/** Removes the oldest record of `index` and returns its LevelDB key. Call only when non-empty. */
function shiftKey(index: ShardIndex, shard: number): Buffer {
  const appendedAt = index.firstAppendedAt()
  const [seq, , samples] = index.shift()
  return encodeKey(shard, seq, appendedAt, samples)
}
