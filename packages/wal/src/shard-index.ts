/**
 * The in-memory index of one shard's records, oldest first: sequence number, stored bytes, samples and
 * append time per record. It lets the WAL account bytes and age, and drop or acknowledge the oldest
 * records, without reading LevelDB. Kept as growable ring buffers of typed arrays (32 bytes per record,
 * no object per record) because a full WAL holds many records.
 */
export class ShardIndex {
  #seqs = new Float64Array(16)
  #appendedAts = new Float64Array(16)
  #bytes = new Uint32Array(16)
  #samples = new Uint32Array(16)
  #head = 0
  #length = 0
  /** Sum of stored bytes of the records in the index. */
  totalBytes = 0
  /** Sum of samples of the records in the index. */
  totalSamples = 0

  get length(): number {
    return this.#length
  }

  /** Adds a record; `seq` must exceed every seq already in the index. */
  push(seq: number, bytes: number, samples: number, appendedAt: number): void {
    if (this.#length === this.#seqs.length) this.#grow()
    const at = (this.#head + this.#length) % this.#seqs.length
    this.#seqs[at] = seq
    this.#bytes[at] = bytes
    this.#samples[at] = samples
    this.#appendedAts[at] = appendedAt
    this.#length++
    this.totalBytes += bytes
    this.totalSamples += samples
  }

  /** Seq of the oldest record; only meaningful when `length > 0`. */
  firstSeq(): number {
    return this.#seqs[this.#head]!
  }

  /** Append time of the oldest record; only meaningful when `length > 0`. */
  firstAppendedAt(): number {
    return this.#appendedAts[this.#head]!
  }

  /** Seq of the newest record, or -1 when empty. */
  lastSeq(): number {
    if (this.#length === 0) return -1
    return this.#seqs[(this.#head + this.#length - 1) % this.#seqs.length]!
  }

  /** Removes the oldest record and returns its `[seq, bytes, samples]`. Call only when `length > 0`. */
  shift(): [seq: number, bytes: number, samples: number] {
    const at = this.#head
    const seq = this.#seqs[at]!
    const bytes = this.#bytes[at]!
    const samples = this.#samples[at]!
    this.#head = (at + 1) % this.#seqs.length
    this.#length--
    this.totalBytes -= bytes
    this.totalSamples -= samples
    return [seq, bytes, samples]
  }

  #grow(): void {
    const capacity = this.#seqs.length * 2
    const order = (from: Float64Array | Uint32Array, to: Float64Array | Uint32Array): void => {
      for (let i = 0; i < this.#length; i++) to[i] = from[(this.#head + i) % from.length]!
    }
    const seqs = new Float64Array(capacity)
    const appendedAts = new Float64Array(capacity)
    const bytes = new Uint32Array(capacity)
    const samples = new Uint32Array(capacity)
    order(this.#seqs, seqs)
    order(this.#appendedAts, appendedAts)
    order(this.#bytes, bytes)
    order(this.#samples, samples)
    this.#seqs = seqs
    this.#appendedAts = appendedAts
    this.#bytes = bytes
    this.#samples = samples
    this.#head = 0
  }
}
