import { compress } from 'snappyjs'
import { LimitError, SnappyError } from './errors.ts'
import { DEFAULT_WIRE_LIMITS } from './limits.ts'

/**
 * The snappy block format (not the framing format), as remote-write and Loki push use it.
 *
 * Encoding is snappyjs. Decoding is hand-written here because snappyjs' decoder does not check that
 * the output fills the declared length (a truncated stream decodes to zero-padded bytes), silently
 * drops writes past the end, and copies byte by byte; this one rejects every such stream and copies
 * long runs with `set`/`copyWithin` (see docs/benchmarks.md for the measurement).
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
 * allocation.
 *
 * @throws LimitError (413, `SLUICE_ERR_DECODED_TOO_LARGE`) over the cap; SnappyError (400) on a
 *   malformed block.
 */
export function snappyDecode(
  buf: Uint8Array,
  maxDecodedBytes: number = DEFAULT_WIRE_LIMITS.maxDecodedBytes,
): Uint8Array {
  const outLen = snappyDecodedLength(buf)
  if (outLen < 0) throw new SnappyError('snappy header is not a valid length')
  if (outLen > maxDecodedBytes) throw new LimitError('maxDecodedBytes', maxDecodedBytes, outLen)
  const out = new Uint8Array(outLen)
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
    if (offset >= len && len >= SHORT) {
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

/** Encodes a snappy block. */
export function snappyEncode(buf: Uint8Array): Uint8Array {
  return compress(buf)
}
