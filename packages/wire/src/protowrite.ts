import type { Label } from '@sluice/contracts'
import { utf8Length, writeUtf8 } from './utf8.ts'

/**
 * Low-level protobuf writing for the hand-written encoders: sizes first, then writes into one
 * pre-sized buffer, so an encoder allocates its output once.
 */

/** Bytes taken by `v` (0 <= v < 2^32) as a varint. */
export function varint32Size(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5
}

/** Writes `v` (0 <= v < 2^32) as a varint at `pos`; returns the new position. */
export function writeVarint32(out: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  out[pos++] = v
  return pos
}

const TWO_32 = 0x1_0000_0000

/** Bytes taken by the integer `v` as an int64 varint (negative values take 10, as two's complement). */
export function int64Size(v: number): number {
  if (v < 0) return 10
  let n = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}

/** Writes the integer `v` (|v| <= 2^53) as an int64 varint; returns the new position. */
export function writeInt64(out: Uint8Array, pos: number, v: number): number {
  if (v >= 0 && v < TWO_32) return writeVarint32(out, pos, v)
  let hi = Math.floor(v / TWO_32)
  let lo = (v - hi * TWO_32) >>> 0
  hi >>>= 0
  // 64-bit varint from two unsigned 32-bit halves.
  while (hi !== 0 || lo >= 0x80) {
    out[pos++] = (lo & 0x7f) | 0x80
    lo = ((lo >>> 7) | (hi << 25)) >>> 0
    hi >>>= 7
  }
  out[pos++] = lo
  return pos
}

const f64 = new Float64Array(1)
const f64Bytes = new Uint8Array(f64.buffer)
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Writes `v` as a little-endian IEEE double. Going through a Float64Array keeps NaN payloads (the
 * stale marker 0x7ff0000000000002 must survive; a test pins this).
 */
export function writeDouble(out: Uint8Array, pos: number, v: number): number {
  f64[0] = v
  if (LITTLE_ENDIAN) {
    for (let i = 0; i < 8; i++) out[pos + i] = f64Bytes[i]!
  } else {
    for (let i = 0; i < 8; i++) out[pos + i] = f64Bytes[7 - i]!
  }
  return pos + 8
}

/** Size of a Label message body (name = 1, value = 2; empty strings omitted as proto3 does). */
export function labelBodySize(nameBytes: number, valueBytes: number): number {
  let n = 0
  if (nameBytes > 0) n += 1 + varint32Size(nameBytes) + nameBytes
  if (valueBytes > 0) n += 1 + varint32Size(valueBytes) + valueBytes
  return n
}

/**
 * UTF-8 sizes of the labels, two per label (name, value), into `sizes`; returns the total encoded
 * size of the `labels = 1` fields of a TimeSeries.
 */
export function labelsSize(labels: readonly Label[], sizes: number[]): number {
  let total = 0
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    const n = utf8Length(l.name)
    const v = utf8Length(l.value)
    sizes.push(n, v)
    const body = labelBodySize(n, v)
    total += 1 + varint32Size(body) + body
  }
  return total
}

/** Writes the `labels = 1` fields of a TimeSeries, with sizes from {@link labelsSize} starting at `sizes[s]`. */
export function writeLabels(
  out: Uint8Array,
  pos: number,
  labels: readonly Label[],
  sizes: readonly number[],
  s: number,
): number {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    const n = sizes[s++]!
    const v = sizes[s++]!
    out[pos++] = 0x0a
    pos = writeVarint32(out, pos, labelBodySize(n, v))
    if (n > 0) {
      out[pos++] = 0x0a
      pos = writeVarint32(out, pos, n)
      pos = writeUtf8(l.name, out, pos)
    }
    if (v > 0) {
      out[pos++] = 0x12
      pos = writeVarint32(out, pos, v)
      pos = writeUtf8(l.value, out, pos)
    }
  }
  return pos
}

/**
 * The `labels = 1` fields of a TimeSeries for `labels`, tags and lengths included: the bytes a series
 * repeats in every request, which callers keep per series to skip encoding its strings again.
 */
export function encodeLabelFields(labels: readonly Label[]): Uint8Array {
  const sizes: number[] = []
  const out = new Uint8Array(labelsSize(labels, sizes))
  writeLabels(out, 0, labels, sizes, 0)
  return out
}
