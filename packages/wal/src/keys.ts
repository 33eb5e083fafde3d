/**
 * Byte layout of WAL keys and values.
 *
 * A key is the shard id (uint16, big-endian), the sequence number (uint64, big-endian), then the
 * record's `appendedAt` (float64 ms since the epoch) and sample count (uint32). LevelDB orders keys
 * bytewise, so big-endian integers first make its iteration order the replay order: all of shard 0 by
 * ascending sequence, then shard 1, and so on; the trailing fields never decide an order, because no
 * two records share a shard and sequence number.
 *
 * A value is the payload alone. Keeping the record's header in the key, not in front of the payload,
 * lets `append` hand LevelDB the caller's bytes without building a copy in JavaScript memory: under
 * load that copy was a third of the main thread's external allocations, and what drove its full GCs.
 */

/** Bytes in a key: 2 for the shard, 8 for the sequence number, 8 for appendedAt, 4 for samples. */
export const KEY_BYTES = 22
/** Shard ids are stored as uint16. */
export const MAX_SHARDS = 0x10000
/** Sequence numbers stay exact JavaScript integers. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER

/**
 * The key of the payload-format marker (`WalOptions.format`). Its length tells it from record keys,
 * and it sorts after every record key (no sequence number reaches 0xff in its top byte).
 */
export const FORMAT_KEY = Buffer.from([0xff, 0xff, 0xff, 0xff])

const PREFIX_BYTES = 10
const TWO_32 = 0x1_0000_0000

/** What a key holds. */
export interface KeyFields {
  shard: number
  seq: number
  appendedAt: number
  samples: number
}

/** Encodes a record's key; bytewise order equals numeric order of shard, then seq. */
export function encodeKey(shard: number, seq: number, appendedAt: number, samples: number): Buffer {
  const key = Buffer.allocUnsafe(KEY_BYTES)
  writePrefix(key, shard, seq)
  key.writeDoubleBE(appendedAt, 10)
  key.writeUInt32BE(samples, 18)
  return key
}

/**
 * A range bound: sorts after every key of `(shard, seq - 1)` and before every key of `(shard, seq)`,
 * so `gte: seqBound(shard, n)` starts a range at sequence number `n`.
 */
export function seqBound(shard: number, seq: number): Buffer {
  const key = Buffer.allocUnsafe(PREFIX_BYTES)
  writePrefix(key, shard, seq)
  return key
}

/** The inverse of {@link encodeKey}. */
export function decodeKey(key: Uint8Array): KeyFields {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength)
  return {
    shard: view.getUint16(0),
    seq: view.getUint32(2) * TWO_32 + view.getUint32(6),
    appendedAt: view.getFloat64(10),
    samples: view.getUint32(18),
  }
}

/** A value for LevelDB that shares the payload's memory (LevelDB copies it into its batch). */
export function encodeValue(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
}

function writePrefix(key: Buffer, shard: number, seq: number): void {
  key.writeUInt16BE(shard, 0)
  key.writeUInt32BE(Math.floor(seq / TWO_32), 2)
  key.writeUInt32BE(seq % TWO_32, 6)
}
