/**
 * Byte layout of WAL keys and values.
 *
 * A key is the shard id (uint16, big-endian) followed by the sequence number (uint64, big-endian).
 * LevelDB orders keys bytewise, so big-endian integers make its iteration order the replay order:
 * all of shard 0 by ascending sequence, then shard 1, and so on.
 *
 * A value is `appendedAt` (float64 ms since the epoch), the sample count (uint32), then the payload.
 */

/** Bytes in a key: 2 for the shard, 8 for the sequence number. */
export const KEY_BYTES = 10
/** Bytes in a value before the payload: 8 for appendedAt, 4 for the sample count. */
export const VALUE_HEADER_BYTES = 12
/** Shard ids are stored as uint16. */
export const MAX_SHARDS = 0x10000
/** Sequence numbers stay exact JavaScript integers. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER

const TWO_32 = 0x1_0000_0000

/** Encodes `(shard, seq)` so that bytewise order equals numeric order of shard, then seq. */
export function encodeKey(shard: number, seq: number): Buffer {
  const key = Buffer.allocUnsafe(KEY_BYTES)
  key.writeUInt16BE(shard, 0)
  key.writeUInt32BE(Math.floor(seq / TWO_32), 2)
  key.writeUInt32BE(seq % TWO_32, 6)
  return key
}

/** The inverse of {@link encodeKey}. */
export function decodeKey(key: Uint8Array): { shard: number; seq: number } {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength)
  return { shard: view.getUint16(0), seq: view.getUint32(2) * TWO_32 + view.getUint32(6) }
}

/** Builds a stored value: header then payload, in one allocation. */
export function encodeValue(appendedAt: number, samples: number, payload: Uint8Array): Buffer {
  const value = Buffer.allocUnsafe(VALUE_HEADER_BYTES + payload.byteLength)
  value.writeDoubleBE(appendedAt, 0)
  value.writeUInt32BE(samples, 8)
  value.set(payload, VALUE_HEADER_BYTES)
  return value
}

/** Splits a stored value; the payload is a view into `value`, not a copy. */
export function decodeValue(value: Uint8Array): { appendedAt: number; samples: number; payload: Uint8Array } {
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  return {
    appendedAt: view.getFloat64(0),
    samples: view.getUint32(8),
    payload: value.subarray(VALUE_HEADER_BYTES),
  }
}
