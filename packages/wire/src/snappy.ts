import { uninitializedBytes } from './bytes.ts'
import { LimitError, SnappyError } from './errors.ts'
import { DEFAULT_WIRE_LIMITS } from './limits.ts'
import { snappyEncodeBlock } from './snappy-encode.ts'

/**
 * The snappy block format (not the framing format), as remote-write and Loki push use it.
 *
 * Both directions are hand-written. snappyjs' decoder does not check that the output fills the
 * declared length (a truncated stream decodes to zero-padded bytes), silently drops writes past the
 * end, and copies byte by byte; this decoder rejects every such stream and copies back-references
 * 16 bytes at a time (most are 4 to 16 bytes long: one step). The encoder (snappy-encode.ts) is
 * about twice as fast as snappyjs' on remote-write payloads (docs/benchmarks.md has both measurements).
 */

/**
 * Reads the uncompressed length from the header of a snappy block (a varint of at most 5 bytes).
 * Returns -1 when the header itself is malformed.
 */
export function snappyDecodedLength(buf: Uint8Array): number {
  let result = 0
  let mul = 1
  for (let i = 0; i < 5 && i < buf.length; i++) {
    const b = buf[i]!
    result += (b & 0x7f) * mul
    if (b < 0x80) return result > 0xffffffff ? -1 : result
    mul *= 128
  }
  return -1
}

function headerLength(buf: Uint8Array): number {
  let i = 0
  while (buf[i]! >= 0x80) i++
  return i + 1
}

/** Below this length a byte loop is used instead of a `set`/`copyWithin` call (and the view it needs). */
const SHORT = 16

/**
 * Decodes a snappy block. The declared length is checked against `maxDecodedBytes` before any
 * allocation. With `into` at least as long as the decoded length, the result is a view of its start
 * (no allocation: a worker decoding push after push reuses one buffer); otherwise a fresh buffer.
 *
 * @throws LimitError (413, `SLUICE_ERR_DECODED_TOO_LARGE`) over the cap; SnappyError (400) on a
 *   malformed block.
 */
export function snappyDecode(
  buf: Uint8Array,
  maxDecodedBytes: number = DEFAULT_WIRE_LIMITS.maxDecodedBytes,
  into?: Uint8Array,
): Uint8Array {
  const outLen = snappyDecodedLength(buf)
  if (outLen < 0) throw new SnappyError('snappy header is not a valid length')
  if (outLen > maxDecodedBytes) throw new LimitError('maxDecodedBytes', maxDecodedBytes, outLen)
  // Every byte is written before `out` is returned: the final check rejects a block that falls short.
  const out =
    into !== undefined && into.length >= outLen ? into.subarray(0, outLen) : uninitializedBytes(outLen)
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  const end = buf.length
  let pos = headerLength(buf)
  let op = 0
  while (pos < end) {
    const tag = buf[pos++]!
    const kind = tag & 3
    let len: number
    if (kind === 0) {
      len = tag >>> 2
      if (len >= 60) {
        // 60..63: the length - 1 follows in 1..4 little-endian bytes.
        const extra = len - 59
        if (pos + extra > end) throw new SnappyError('truncated literal length')
        len = buf[pos]!
        if (extra > 1) len |= buf[pos + 1]! << 8
        if (extra > 2) len |= buf[pos + 2]! << 16
        if (extra > 3) len = (len | (buf[pos + 3]! << 24)) >>> 0
        pos += extra
      }
      len += 1
      if (len > end - pos) throw new SnappyError('literal overruns the input')
      if (len > outLen - op) throw new SnappyError('literal overruns the declared length')
      if (len < SHORT) {
        for (let i = 0; i < len; i++) out[op + i] = buf[pos + i]!
      } else out.set(buf.subarray(pos, pos + len), op)
      pos += len
      op += len
      continue
    }
    let offset: number
    if (kind === 1) {
      if (pos >= end) throw new SnappyError('truncated copy')
      len = ((tag >>> 2) & 7) + 4
      offset = ((tag >>> 5) << 8) | buf[pos++]!
    } else if (kind === 2) {
      if (pos + 2 > end) throw new SnappyError('truncated copy')
      len = (tag >>> 2) + 1
      offset = buf[pos]! | (buf[pos + 1]! << 8)
      pos += 2
    } else {
      if (pos + 4 > end) throw new SnappyError('truncated copy')
      len = (tag >>> 2) + 1
      offset = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0
      pos += 4
    }
    if (offset === 0 || offset > op) throw new SnappyError('copy offset outside the output')
    if (len > outLen - op) throw new SnappyError('copy overruns the declared length')
    let from = op - offset
    const stop = op + len
    if (offset >= 8 && stop + 16 <= outLen) {
      // Slop: whole 16-byte steps may write up to 15 bytes past the copy; later ops overwrite them
      // (and every byte is checked written at the end). Each 8-byte read is of bytes already
      // written (offset >= 8), so overlapping copies come out as the byte-by-byte definition says.
      // TurboFan keeps DataView's 64-bit reads and writes in registers, without BigInt objects:
      // two of them per step measured 20% faster for the whole decode than four 32-bit pairs.
      do {
        view.setBigInt64(op, view.getBigInt64(from, true), true)
        view.setBigInt64(op + 8, view.getBigInt64(from + 8, true), true)
        op += 16
        from += 16
      } while (op < stop)
      op = stop
    } else if (offset >= 4 && stop + 16 <= outLen) {
      // As above, in 4-byte reads: offsets 4 to 7 repeat a pattern shorter than 8 bytes.
      do {
        view.setInt32(op, view.getInt32(from, true), true)
        view.setInt32(op + 4, view.getInt32(from + 4, true), true)
        view.setInt32(op + 8, view.getInt32(from + 8, true), true)
        view.setInt32(op + 12, view.getInt32(from + 12, true), true)
        op += 16
        from += 16
      } while (op < stop)
      op = stop
    } else if (offset >= len && len >= SHORT) {
      out.copyWithin(op, from, from + len)
      op += len
    } else {
      // Overlapping copies repeat the last `offset` bytes: byte order matters.
      const stop = op + len
      while (op < stop) out[op++] = out[from++]!
    }
  }
  if (op !== outLen) throw new SnappyError(`snappy block decodes to ${op} bytes, header says ${outLen}`)
  return out
}

/** Encodes a snappy block. The result is a fresh, exact-size buffer. */
export function snappyEncode(buf: Uint8Array): Uint8Array {
  return snappyEncodeBlock(buf)
}
