import { DecodeError } from './errors.ts'

/**
 * Low-level protobuf wire reading over a Uint8Array, shared by the splitter and the pre-walks of the
 * object codecs. Functions take and return positions; the varint value read last is left in
 * {@link varintValue} so that no object is allocated per field.
 */

/** Wire types (protobuf encoding spec). Groups (3, 4) are deprecated and rejected. */
export const WT_VARINT = 0
export const WT_I64 = 1
export const WT_LEN = 2
export const WT_I32 = 5

/** Value of the last varint read by {@link readVarint32}. */
export let varintValue = 0

/**
 * Reads a varint that must fit in 32 bits unsigned (tags and lengths) at `pos`; returns the position
 * after it. Longer or truncated varints are a {@link DecodeError}.
 */
export function readVarint32(buf: Uint8Array, pos: number, end: number): number {
  let result = 0
  let mul = 1
  for (let n = 0; n < 5; n++) {
    if (pos >= end) throw new DecodeError(`truncated varint at byte ${pos}`)
    const b = buf[pos++]!
    result += (b & 0x7f) * mul
    if (b < 0x80) {
      if (result > 0xffffffff) break
      varintValue = result
      return pos
    }
    mul *= 128
  }
  throw new DecodeError(`varint at byte ${pos} does not fit in 32 bits`)
}

/** Skips a 64-bit varint (at most 10 bytes); returns the position after it. */
export function skipVarint(buf: Uint8Array, pos: number, end: number): number {
  for (let n = 0; n < 10; n++) {
    if (pos >= end) throw new DecodeError(`truncated varint at byte ${pos}`)
    if (buf[pos++]! < 0x80) return pos
  }
  throw new DecodeError(`varint longer than 10 bytes at byte ${pos}`)
}

/** Reads the length prefix of a LEN field at `pos` and checks the payload fits before `end`; returns the payload start. */
export function readLength(buf: Uint8Array, pos: number, end: number): number {
  pos = readVarint32(buf, pos, end)
  if (varintValue > end - pos) {
    throw new DecodeError(
      `length ${varintValue} at byte ${pos} overruns its message (${end - pos} bytes left)`,
    )
  }
  return pos
}

/** Skips the payload of a field of wire type `wt` starting at `pos`; returns the position after it. */
export function skipField(buf: Uint8Array, pos: number, end: number, wt: number): number {
  switch (wt) {
    case WT_VARINT:
      return skipVarint(buf, pos, end)
    case WT_I64:
      if (end - pos < 8) throw new DecodeError(`truncated fixed64 at byte ${pos}`)
      return pos + 8
    case WT_LEN:
      pos = readLength(buf, pos, end)
      return pos + varintValue
    case WT_I32:
      if (end - pos < 4) throw new DecodeError(`truncated fixed32 at byte ${pos}`)
      return pos + 4
    default:
      throw new DecodeError(`invalid wire type ${wt} at byte ${pos}`)
  }
}

/** Bit for wire type `wt` in a {@link checkMessage} table. */
export const allow = (...wts: number[]): number => wts.reduce((m, wt) => m | (1 << wt), 0)

/**
 * Checks that `buf[pos, end)` is a sequence of well-formed fields whose wire types match `table`
 * (indexed by field number; a set bit per allowed wire type; 0 or past the end: any valid type).
 * Nested messages are not descended into.
 */
export function checkMessage(buf: Uint8Array, pos: number, end: number, table: Uint8Array): void {
  while (pos < end) {
    let tag = buf[pos]!
    if (tag < 0x80) pos++
    else {
      pos = readVarint32(buf, pos, end)
      tag = varintValue
    }
    const field = tag >>> 3
    const wt = tag & 7
    if (field === 0) throw new DecodeError(`field number 0 at byte ${pos}`)
    if (field < table.length) {
      const mask = table[field]!
      if (mask !== 0 && (mask & (1 << wt)) === 0) {
        throw new DecodeError(`field ${field} has wrong wire type ${wt} at byte ${pos}`)
      }
    }
    pos = skipField(buf, pos, end, wt)
  }
}

/** Builds a {@link checkMessage} table from `[field, mask]` pairs. */
export function wireTable(entries: Array<[number, number]>): Uint8Array {
  const size = Math.max(...entries.map(([f]) => f)) + 1
  const t = new Uint8Array(size)
  for (const [f, m] of entries) t[f] = m
  return t
}
