import type { Label } from '@sluice/contracts'
import { DecodeError } from './errors.ts'
import { readLength, readVarint32, skipField, varintValue, WT_LEN } from './protowire.ts'
import {
  int64Size,
  labelsSize,
  varint32Size,
  writeDouble,
  writeInt64,
  writeLabels,
  writeVarint32,
} from './protowrite.ts'
import { decodeUtf8, isValidUtf8 } from './utf8.ts'

/**
 * Work on single TimeSeries fields of a WriteRequest by byte range (as produced by the splitter), and
 * the fast encoder for series built in memory (the scraper's output).
 */

/** Reads the tag and length of the TimeSeries field at `buf[start, end)`; returns where its body starts. */
function seriesBody(buf: Uint8Array, start: number, end: number): number {
  if (start >= end || buf[start] !== 0x0a) throw new DecodeError(`no TimeSeries field at byte ${start}`)
  const pos = readLength(buf, start + 1, end)
  if (pos + varintValue !== end)
    throw new DecodeError(`TimeSeries field at byte ${start} does not end at ${end}`)
  return pos
}

/**
 * Decodes the labels of the TimeSeries field `buf[start, end)` (a range from a SeriesIndex), in wire
 * order. Samples, exemplars and histograms are skipped unread.
 */
export function readSeriesLabels(buf: Uint8Array, start: number, end: number): Label[] {
  let pos = seriesBody(buf, start, end)
  const labels: Label[] = []
  while (pos < end) {
    pos = readVarint32(buf, pos, end)
    const tag = varintValue
    if (tag !== 0x0a) {
      pos = skipField(buf, pos, end, tag & 7)
      continue
    }
    pos = readLength(buf, pos, end)
    const labelEnd = pos + varintValue
    let name = ''
    let value = ''
    while (pos < labelEnd) {
      pos = readVarint32(buf, pos, labelEnd)
      const t = varintValue
      if (t === 0x0a || t === 0x12) {
        pos = readLength(buf, pos, labelEnd)
        const sEnd = pos + varintValue
        if (!isValidUtf8(buf, pos, sEnd)) throw new DecodeError('label is not valid UTF-8')
        if (t === 0x0a) name = decodeUtf8(buf, pos, sEnd)
        else value = decodeUtf8(buf, pos, sEnd)
        pos = sEnd
      } else pos = skipField(buf, pos, labelEnd, t & 7)
    }
    labels.push({ name, value })
  }
  return labels
}

/**
 * Re-encodes the TimeSeries field `buf[start, end)` with `labels` in place of its labels. Every other
 * field (samples, exemplars, histograms, unknown fields) is copied byte for byte in its original order,
 * after the new labels. Returns a whole top-level field (tag and length included).
 */
export function rewriteSeriesLabels(
  buf: Uint8Array,
  start: number,
  end: number,
  labels: readonly Label[],
): Uint8Array {
  const body = seriesBody(buf, start, end)
  // First pass: the byte count of the fields kept verbatim.
  let kept = 0
  let pos = body
  while (pos < end) {
    const fieldStart = pos
    pos = readVarint32(buf, pos, end)
    const tag = varintValue
    if (tag >>> 3 === 1 && (tag & 7) !== WT_LEN) throw new DecodeError('labels field has wrong wire type')
    pos = skipField(buf, pos, end, tag & 7)
    if (tag !== 0x0a) kept += pos - fieldStart
  }
  const sizes: number[] = []
  const bodySize = labelsSize(labels, sizes) + kept
  const out = new Uint8Array(1 + varint32Size(bodySize) + bodySize)
  out[0] = 0x0a
  let o = writeVarint32(out, 1, bodySize)
  o = writeLabels(out, o, labels, sizes, 0)
  pos = body
  while (pos < end) {
    const fieldStart = pos
    pos = readVarint32(buf, pos, end)
    const tag = varintValue
    pos = skipField(buf, pos, end, tag & 7)
    if (tag !== 0x0a) {
      out.set(buf.subarray(fieldStart, pos), o)
      o += pos - fieldStart
    }
  }
  return out
}

/** One float sample. `timestampMs` is an integer (milliseconds since the epoch). */
export interface SampleRecord {
  value: number
  timestampMs: number
}

/** A series as the scraper produces it: sorted labels and its samples. */
export interface SeriesRecord {
  labels: readonly Label[]
  samples: readonly SampleRecord[]
}

/** Size of one Sample body: value (always written, so stale-marker and zero values survive) and timestamp. */
function sampleBodySize(s: SampleRecord): number {
  return 9 + 1 + int64Size(s.timestampMs)
}

/**
 * Encodes records as a remote-write 1.0 WriteRequest (uncompressed), one allocation for the output.
 * Values are written bit for bit, so NaN payloads such as the stale marker are kept.
 */
export function encodeSeries(records: readonly SeriesRecord[]): Uint8Array {
  const sizes: number[] = []
  const bodies = new Array<number>(records.length)
  let total = 0
  for (let r = 0; r < records.length; r++) {
    const rec = records[r]!
    let body = labelsSize(rec.labels, sizes)
    for (let k = 0; k < rec.samples.length; k++) {
      const sb = sampleBodySize(rec.samples[k]!)
      body += 1 + varint32Size(sb) + sb
    }
    bodies[r] = body
    total += 1 + varint32Size(body) + body
  }
  const out = new Uint8Array(total)
  let pos = 0
  let s = 0
  for (let r = 0; r < records.length; r++) {
    const rec = records[r]!
    out[pos++] = 0x0a
    pos = writeVarint32(out, pos, bodies[r]!)
    pos = writeLabels(out, pos, rec.labels, sizes, s)
    s += rec.labels.length * 2
    for (let k = 0; k < rec.samples.length; k++) {
      const smp = rec.samples[k]!
      out[pos++] = 0x12
      pos = writeVarint32(out, pos, sampleBodySize(smp))
      out[pos++] = 0x09
      pos = writeDouble(out, pos, smp.value)
      out[pos++] = 0x10
      pos = writeInt64(out, pos, smp.timestampMs)
    }
  }
  return out
}

/**
 * Assembles a WriteRequest from byte ranges of other requests and from encoded fields (such as the
 * output of {@link rewriteSeriesLabels}), copying everything once in {@link WriteRequestBuilder.finish}.
 */
export class WriteRequestBuilder {
  private readonly parts: Uint8Array[] = []
  private size = 0

  /** Appends `buf[start, end)`, which must be whole top-level fields. The bytes are read at `finish`. */
  addRange(buf: Uint8Array, start: number, end: number): this {
    this.parts.push(buf.subarray(start, end))
    this.size += end - start
    return this
  }

  /** Appends encoded top-level fields. */
  addBytes(fields: Uint8Array): this {
    this.parts.push(fields)
    this.size += fields.length
    return this
  }

  /** The byte length so far. */
  get byteLength(): number {
    return this.size
  }

  /** Concatenates everything appended into one new buffer. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size)
    let off = 0
    for (const p of this.parts) {
      out.set(p, off)
      off += p.length
    }
    return out
  }
}
