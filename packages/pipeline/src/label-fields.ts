import type { Label } from '@sluice/contracts'

/**
 * Byte-level helpers for the `labels = 1` fields of a TimeSeries, so that a series whose relabel
 * result is known can be re-emitted without decoding or encoding a single string.
 */

/** Start of the label fields found by {@link labelRegion}; its end is the return value. */
export let labelsStart = 0

/**
 * Finds the label fields of the TimeSeries field `buf[start, end)` (a validated range from the
 * splitter). Returns the end of the label fields, with their start in {@link labelsStart}, when they
 * all come first, as every Prometheus encoder writes them; returns -1 when a label field follows
 * another field, so that the caller takes the general path.
 */
export function labelRegion(buf: Uint8Array, start: number, end: number): number {
  // The splitter checked the structure: tags and lengths here are well-formed.
  let pos = skipVarint(buf, start + 1)
  labelsStart = pos
  while (pos < end && buf[pos] === 0x0a) pos = skipLen(buf, pos + 1)
  const labelsEnd = pos
  while (pos < end) {
    const tag = buf[pos]!
    if (tag === 0x0a) return -1
    if (tag >= 0x80) return -1 // multi-byte tags are unknown fields: rare enough for the general path
    const wt = tag & 7
    pos++
    if (wt === 2) pos = skipLen(buf, pos)
    else if (wt === 0) pos = skipVarint(buf, pos)
    else if (wt === 1) pos += 8
    else if (wt === 5) pos += 4
    else return -1
  }
  return labelsEnd
}

function skipVarint(buf: Uint8Array, pos: number): number {
  while (buf[pos++]! >= 0x80);
  return pos
}

/** Skips a length prefix and its payload. */
function skipLen(buf: Uint8Array, pos: number): number {
  let len = 0
  let mul = 1
  let b: number
  do {
    b = buf[pos++]!
    len += (b & 0x7f) * mul
    mul *= 128
  } while (b >= 0x80)
  return pos + len
}

const encoder = new TextEncoder()

/** Encodes `labels` as the `labels = 1` fields of a TimeSeries (empty strings omitted, as proto3 does). */
export function encodeLabelFields(labels: readonly Label[]): Uint8Array {
  const parts: Uint8Array[] = []
  let size = 0
  for (const l of labels) {
    const name = encoder.encode(l.name)
    const value = encoder.encode(l.value)
    parts.push(name, value)
    const body = fieldSize(name.length) + fieldSize(value.length)
    size += 1 + varintSize(body) + body
  }
  const out = new Uint8Array(size)
  let pos = 0
  for (let i = 0; i < parts.length; i += 2) {
    const name = parts[i]!
    const value = parts[i + 1]!
    out[pos++] = 0x0a
    pos = writeVarint(out, pos, fieldSize(name.length) + fieldSize(value.length))
    pos = writeString(out, pos, 0x0a, name)
    pos = writeString(out, pos, 0x12, value)
  }
  return out
}

function fieldSize(len: number): number {
  return len === 0 ? 0 : 1 + varintSize(len) + len
}

function writeString(out: Uint8Array, pos: number, tag: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return pos
  out[pos++] = tag
  pos = writeVarint(out, pos, bytes.length)
  out.set(bytes, pos)
  return pos + bytes.length
}

/** Bytes of `v` (0 <= v < 2^32) as a varint. */
export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5
}

/** Writes `v` (0 <= v < 2^32) as a varint; returns the position after it. */
export function writeVarint(out: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  out[pos++] = v
  return pos
}
