import type { Label } from '@sluice/contracts'
import type { ScrapedSeries } from './series.ts'

// The protobuf writing below produces exactly the bytes of wire's `encodeSeries` (a test pins it);
// wire does not export its low-level writers, and going through `encodeSeries` for one series at a
// time costs an allocation and a call per series.

const utf8 = new TextEncoder()

/** UTF-8 length of `s`, as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) {
      n += 1
      continue
    }
    // Three bytes for the rest of the BMP and for U+FFFD; a surrogate pair's two units make four.
    n += 2
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) i++
    }
  }
  return n
}

function writeUtf8(out: Uint8Array, pos: number, s: string, bytes: number): number {
  if (bytes === s.length) {
    for (let i = 0; i < s.length; i++) out[pos + i] = s.charCodeAt(i)
  } else {
    utf8.encodeInto(s, out.subarray(pos, pos + bytes))
  }
  return pos + bytes
}

/** Size of one Label message body (name = 1, value = 2; empty strings omitted, as proto3 does). */
function labelBodySize(nameBytes: number, valueBytes: number): number {
  let n = 0
  if (nameBytes > 0) n += 1 + varint32Size(nameBytes) + nameBytes
  if (valueBytes > 0) n += 1 + varint32Size(valueBytes) + valueBytes
  return n
}

/** Pushes the UTF-8 sizes of each label's name and value onto `sizes`; returns the size of the label fields. */
function labelFieldsSize(labels: readonly Label[], sizes: number[]): number {
  let total = 0
  for (let i = 0; i < labels.length; i++) {
    const n = utf8Length(labels[i]!.name)
    const v = utf8Length(labels[i]!.value)
    sizes.push(n, v)
    const body = labelBodySize(n, v)
    total += 1 + varint32Size(body) + body
  }
  return total
}

/** Writes the label fields measured by {@link labelFieldsSize}, its sizes starting at `sizes[s]`. */
function writeLabelFields(
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
    pos = writeVarint(out, pos, labelBodySize(n, v))
    if (n > 0) {
      out[pos++] = 0x0a
      pos = writeVarint(out, pos, n)
      pos = writeUtf8(out, pos, l.name, n)
    }
    if (v > 0) {
      out[pos++] = 0x12
      pos = writeVarint(out, pos, v)
      pos = writeUtf8(out, pos, l.value, v)
    }
  }
  return pos
}

/**
 * The `labels = 1` fields of a remote-write 1.0 TimeSeries for `labels`, tags and lengths included:
 * the bytes a series repeats in every request, which the scrape cache keeps per series.
 */
export function encodeLabelFields(labels: readonly Label[]): Uint8Array {
  const sizes: number[] = []
  const out = new Uint8Array(labelFieldsSize(labels, sizes))
  writeLabelFields(out, 0, labels, sizes, 0)
  return out
}

/** One Sample message body: tag + 8-byte double value, tag + int64 timestamp. */
function sampleBodySize(timestampMs: number): number {
  return 10 + int64Size(timestampMs)
}

function int64Size(v: number): number {
  // A negative int64 is ten bytes of two's complement.
  if (v < 0) return 10
  let n = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}

function varint32Size(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5
}

function writeVarint(out: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  out[pos++] = v
  return pos
}

const TWO_32 = 0x1_0000_0000

/** An integer with |v| <= 2^53 as an int64 varint, from two unsigned 32-bit halves. */
function writeInt64(out: Uint8Array, pos: number, v: number): number {
  if (v >= 0 && v < TWO_32) return writeVarint(out, pos, v)
  let hi = Math.floor(v / TWO_32)
  let lo = (v - hi * TWO_32) >>> 0
  hi >>>= 0
  while (hi !== 0 || lo >= 0x80) {
    out[pos++] = (lo & 0x7f) | 0x80
    lo = ((lo >>> 7) | (hi << 25)) >>> 0
    hi >>>= 7
  }
  out[pos++] = lo
  return pos
}

// Through a Float64Array, so NaN payloads (the stale marker) keep their bits.
const f64 = new Float64Array(1)
const f64Bytes = new Uint8Array(f64.buffer)
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

function writeDouble(out: Uint8Array, pos: number, v: number): number {
  f64[0] = v
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) out[pos + i] = f64Bytes[i]!
  else for (let i = 0; i < 8; i++) out[pos + i] = f64Bytes[7 - i]!
  return pos + 8
}

/**
 * Encodes a scrape's series as a remote-write 1.0 WriteRequest (uncompressed), byte for byte what
 * wire's `encodeSeries` makes of them, but copying each series' pre-encoded label fields
 * ({@link ScrapedSeries.encodedLabels}, kept per series by the scrape cache) instead of encoding its
 * label strings again; series without them (staleness markers, worker-parsed bodies) are encoded whole.
 */
export function encodeScrapedSeries(series: readonly ScrapedSeries[]): Uint8Array {
  const sizes: number[] = []
  const bodies = new Array<number>(series.length)
  let total = 0
  for (let r = 0; r < series.length; r++) {
    const s = series[r]!
    let body = s.encodedLabels === null ? labelFieldsSize(s.labels, sizes) : s.encodedLabels.length
    for (let k = 0; k < s.samples.length; k++) body += 2 + sampleBodySize(s.samples[k]!.timestampMs)
    bodies[r] = body
    total += 1 + varint32Size(body) + body
  }
  const out = new Uint8Array(total)
  let pos = 0
  let next = 0
  for (let r = 0; r < series.length; r++) {
    const s = series[r]!
    out[pos++] = 0x0a
    pos = writeVarint(out, pos, bodies[r]!)
    if (s.encodedLabels === null) {
      pos = writeLabelFields(out, pos, s.labels, sizes, next)
      next += s.labels.length * 2
    } else {
      out.set(s.encodedLabels, pos)
      pos += s.encodedLabels.length
    }
    for (let k = 0; k < s.samples.length; k++) {
      const sample = s.samples[k]!
      out[pos++] = 0x12
      out[pos++] = sampleBodySize(sample.timestampMs)
      out[pos++] = 0x09
      pos = writeDouble(out, pos, sample.value)
      out[pos++] = 0x10
      pos = writeInt64(out, pos, sample.timestampMs)
    }
  }
  return out
}
