import type { WalRecord } from './record.ts'

/**
 * The newest records of one shard, kept in memory so that a reader that keeps up with the writers
 * (the normal case: a sender a few milliseconds behind ingest) is served without a LevelDB iterator,
 * a copy of every payload out of LevelDB and the garbage that makes. Under the profile of a 2000-series
 * push load, reading back what was just written cost as much main-thread time as writing it.
 *
 * Invariant: the tail holds every record of the shard's index with a seq above `coversAfter`, in
 * order. Records enter only once their batch is written (as the index does), leave when acknowledged
 * or dropped (as in the index), and are evicted oldest first when the byte bound is passed, which
 * raises `coversAfter`: a reader behind that point reads LevelDB until it catches up.
 */
export class ShardTail {
  #records: (WalRecord | undefined)[] = []
  #head = 0
  /** Payload bytes held. */
  bytes = 0
  /** Every index record with a greater seq is in the tail. */
  coversAfter: number

  /** `coversAfter` starts at the last seq replayed from disk: those records are on disk only. */
  constructor(coversAfter: number) {
    this.coversAfter = coversAfter
  }

  get length(): number {
    return this.#records.length - this.#head
  }

  /** Adds the newest record (its seq above every seq held). */
  push(record: WalRecord): void {
    this.#records.push(record)
    this.bytes += record.payload.byteLength
  }

  /** Evicts the oldest record; the tail then covers only what follows it. Call only when non-empty. */
  evict(): void {
    const record = this.#shift()
    this.coversAfter = Math.max(this.coversAfter, record.seq)
  }

  /** Forgets the records with a seq up to and including `seq` (acknowledged or dropped). */
  removeThrough(seq: number): void {
    while (this.length > 0 && this.#records[this.#head]!.seq <= seq) this.#shift()
  }

  /**
   * The records after `afterSeq`, as `Wal.read` defines them, or undefined when the tail cannot tell
   * (older records may be on disk only).
   */
  read(afterSeq: number, maxRecords: number, maxBytes: number): WalRecord[] | undefined {
    if (afterSeq < this.coversAfter) return undefined
    const out: WalRecord[] = []
    let bytes = 0
    let i = this.#head
    // Skip what the reader has (it reads from just after its cursor; usually the first record).
    while (i < this.#records.length && this.#records[i]!.seq <= afterSeq) i++
    for (; i < this.#records.length && out.length < maxRecords; i++) {
      const record = this.#records[i]!
      if (out.length > 0 && bytes + record.payload.byteLength > maxBytes) break
      bytes += record.payload.byteLength
      out.push(record)
    }
    return out
  }

  #shift(): WalRecord {
    const record = this.#records[this.#head]!
    this.#records[this.#head] = undefined
    this.#head++
    this.bytes -= record.payload.byteLength
    // Compact once the dead prefix is large, so that shifting stays O(1) amortised.
    if (this.#head >= 1024 && this.#head * 2 >= this.#records.length) {
      this.#records = this.#records.slice(this.#head)
      this.#head = 0
    }
    return record
  }
}
