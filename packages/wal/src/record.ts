/** One record read back from the WAL. All fields are set in the constructor so V8 keeps one shape. */
export class WalRecord {
  /** Position in its shard; strictly increasing in append order. */
  readonly seq: number
  readonly shard: number
  /** The bytes given to `append` (for remote-write: an encoded, uncompressed WriteRequest). */
  readonly payload: Uint8Array
  /** Samples in the payload, as the appender declared them; used for drop accounting and batching. */
  readonly samples: number
  /** Milliseconds since the epoch when the record was appended. */
  readonly appendedAt: number

  constructor(seq: number, shard: number, payload: Uint8Array, samples: number, appendedAt: number) {
    this.seq = seq
    this.shard = shard
    this.payload = payload
    this.samples = samples
    this.appendedAt = appendedAt
  }
}
