import { uninitializedBytes } from './bytes.ts'
import { DecodeError, LimitError } from './errors.ts'
import { HI, hashFinish, hashLabel, hashOut, hashReset, LO } from './hash.ts'
import { KeyHash, type LabelKey } from './key-hash.ts'
import { resolveLimits, type WireLimits } from './limits.ts'
import {
  allow,
  checkMessage,
  readLength,
  readVarint32,
  skipField,
  varintValue,
  WT_I64,
  WT_LEN,
  WT_VARINT,
  wireTable,
} from './protowire.ts'
import { isValidUtf8 } from './utf8.ts'

/**
 * The remote-write 1.0 splitter: one pass over an uncompressed `prometheus.WriteRequest` that yields,
 * per TimeSeries, the byte range of its top-level field and the hash of its labels, without building
 * any object per series or sample (DESIGN.md, "the data path of one push").
 *
 * Field numbers (prompb/remote.proto, prompb/types.proto): WriteRequest.timeseries = 1,
 * WriteRequest.metadata = 3; TimeSeries.labels = 1, samples = 2, exemplars = 3, histograms = 4;
 * Label.name = 1, value = 2; Sample.value = 1 (double), timestamp = 2 (int64).
 */

/**
 * Where each series and metadata entry of one WriteRequest buffer lies. Ranges cover the whole
 * top-level field (tag and length prefix included), so concatenating any of them yields a valid
 * WriteRequest. The 64-bit label hash (see `hashLabels`) is stored as two Uint32Arrays: `hashHi` is the
 * upper and `hashLo` the lower 32 bits; {@link SeriesIndex.hash} joins them as a bigint.
 */
export class SeriesIndex {
  /** Number of series. */
  readonly count: number
  /** Byte offset of each series' field in the buffer. */
  readonly starts: Uint32Array
  /** Byte offset just past each series' field. */
  readonly ends: Uint32Array
  /** Upper 32 bits of each series' label hash. */
  readonly hashHi: Uint32Array
  /** Lower 32 bits of each series' label hash. */
  readonly hashLo: Uint32Array
  /** Float samples plus native-histogram samples of each series. */
  readonly samples: Uint32Array
  /** Upper 32 bits of each series' key hash, when the split computed keys (SplitOptions.keyLabels); else empty. */
  readonly keyHi: Uint32Array
  /** Lower 32 bits of each series' key hash; else empty. */
  readonly keyLo: Uint32Array
  /** Number of metadata (field 3) entries. */
  readonly metadataCount: number
  readonly metadataStarts: Uint32Array
  readonly metadataEnds: Uint32Array

  constructor(
    count: number,
    starts: Uint32Array,
    ends: Uint32Array,
    hashHi: Uint32Array,
    hashLo: Uint32Array,
    samples: Uint32Array,
    keyHi: Uint32Array,
    keyLo: Uint32Array,
    metadataCount: number,
    metadataStarts: Uint32Array,
    metadataEnds: Uint32Array,
  ) {
    this.count = count
    this.starts = starts
    this.ends = ends
    this.hashHi = hashHi
    this.hashLo = hashLo
    this.samples = samples
    this.keyHi = keyHi
    this.keyLo = keyLo
    this.metadataCount = metadataCount
    this.metadataStarts = metadataStarts
    this.metadataEnds = metadataEnds
  }

  /** The label hash of series `i` as `(hi << 32) | lo`. */
  hash(i: number): bigint {
    return (BigInt(this.hashHi[i]!) << 32n) | BigInt(this.hashLo[i]!)
  }

  /** Total samples in the request. */
  totalSamples(): number {
    let n = 0
    for (let i = 0; i < this.count; i++) n += this.samples[i]!
    return n
  }
}

const SAMPLE_TYPES = wireTable([
  [1, allow(WT_I64)],
  [2, allow(WT_VARINT)],
])
const EXEMPLAR_TYPES = wireTable([
  [1, allow(WT_LEN)],
  [2, allow(WT_I64)],
  [3, allow(WT_VARINT)],
])
/** Repeated scalars (9, 10, 12, 13, 16) may arrive packed (LEN) or not, as proto3 parsers must accept both. */
const HISTOGRAM_TYPES = wireTable([
  [1, allow(WT_VARINT)],
  [2, allow(WT_I64)],
  [3, allow(WT_I64)],
  [4, allow(WT_VARINT)],
  [5, allow(WT_I64)],
  [6, allow(WT_VARINT)],
  [7, allow(WT_I64)],
  [8, allow(WT_LEN)],
  [9, allow(WT_LEN, WT_VARINT)],
  [10, allow(WT_LEN, WT_I64)],
  [11, allow(WT_LEN)],
  [12, allow(WT_LEN, WT_VARINT)],
  [13, allow(WT_LEN, WT_I64)],
  [14, allow(WT_VARINT)],
  [15, allow(WT_VARINT)],
  [16, allow(WT_LEN, WT_I64)],
])
const METADATA_TYPES = wireTable([
  [1, allow(WT_VARINT)],
  [2, allow(WT_LEN)],
  [4, allow(WT_LEN)],
  [5, allow(WT_LEN)],
])

/** Results of {@link walkSeries}, module-level so the hot loop returns nothing but a position. */
let seriesSamples = 0
/** Whether the walk in progress computes label hashes (see {@link SplitOptions.hashes}). */
let hashing = true
/** The key labels of the walk in progress (see {@link SplitOptions.keyLabels}), null when it computes no keys. */
let keying: LabelKey | null = null
const keyHash = new KeyHash()
/** Aligned words over the buffer being walked, when it allows them (see orBytes). */
let words: Int32Array | null = null

/**
 * The OR of the bytes `buf[start, end)`: bit 7 of each byte clear means ASCII. What the walk computes
 * instead of the hash when no hash is wanted. `words` is an Int32Array over the same bytes as `buf`
 * when `buf` starts on a 4-byte boundary: aligned word loads from a typed array measured twice as
 * fast as DataView reads, and the unaligned ends take a few byte loads. Without it, DataView reads
 * two words a step.
 */
function orBytes(
  buf: Uint8Array,
  words: Int32Array | null,
  view: DataView,
  start: number,
  end: number,
): number {
  let seen = 0
  let i = start
  if (words !== null) {
    const head = Math.min(end, (start + 3) & ~3)
    for (; i < head; i++) seen |= buf[i]!
    const wordEnd = end >>> 2
    for (let w = i >>> 2; w < wordEnd; w++) seen |= words[w]!
    for (i = Math.max(i, wordEnd << 2); i < end; i++) seen |= buf[i]!
    return seen
  }
  let other = 0
  for (const stop = end - 7; i < stop; i += 8) {
    seen |= view.getInt32(i, true)
    other |= view.getInt32(i + 4, true)
  }
  for (; i < end; i++) seen |= buf[i]!
  return seen | other
}

/**
 * Checks the UTF-8 of a run of plain labels (see isPlainLabel) that `buf[start, end)` holds: from the
 * length byte of the first to the end of the last, each label after the first preceded by its 0x0a
 * tag. Tags and lengths (under 128) are ASCII bytes, so when no byte of the whole run has bit 7 set
 * every name and value is ASCII: one pass of word loads over a series' labels instead of two short
 * ones, each with its ragged tail, per label. Otherwise each label is checked in full.
 */
function checkPlainRun(buf: Uint8Array, view: DataView, start: number, end: number): void {
  if ((orBytes(buf, words, view, start, end) & 0x80808080) === 0) return
  for (let p = start; p < end; ) {
    const labelEnd = p + 1 + buf[p]!
    const nameEnd = p + 3 + buf[p + 2]!
    checkUtf8(buf, p + 3, nameEnd, nameEnd + 2, labelEnd)
    p = labelEnd + 1
  }
}

/** Feeds one label to the hash when hashing, and returns the OR of its bytes (see hashLabel). */
function visitLabel(
  buf: Uint8Array,
  view: DataView,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
): number {
  if (hashing) return hashLabel(buf, view, nameStart, nameEnd, valueStart, valueEnd)
  return orBytes(buf, words, view, nameStart, nameEnd) | orBytes(buf, words, view, valueStart, valueEnd)
}

/**
 * Walks the labels of one series: checks structure, limits and UTF-8, and feeds the hash.
 * Proto3 lets a field repeat (last one wins), so name and value are located first and hashed after.
 */
function walkLabel(buf: Uint8Array, view: DataView, pos: number, end: number, limits: WireLimits): void {
  let nameStart = 0
  let nameEnd = 0
  let valueStart = 0
  let valueEnd = 0
  while (pos < end) {
    let tag = buf[pos]!
    if (tag < 0x80) pos++
    else {
      pos = readVarint32(buf, pos, end)
      tag = varintValue
    }
    if (tag === 0x0a || tag === 0x12) {
      // Label.name (1) or Label.value (2), both LEN.
      let len = buf[pos]!
      if (len < 0x80 && pos < end) pos++
      else {
        pos = readVarint32(buf, pos, end)
        len = varintValue
      }
      if (len > end - pos) throw new DecodeError(`label string overruns its label at byte ${pos}`)
      if (tag === 0x0a) {
        nameStart = pos
        nameEnd = pos + len
      } else {
        valueStart = pos
        valueEnd = pos + len
      }
      pos += len
    } else {
      const field = tag >>> 3
      if (field === 0) throw new DecodeError(`field number 0 at byte ${pos}`)
      if (field <= 2) throw new DecodeError(`label field ${field} has wrong wire type ${tag & 7}`)
      pos = skipField(buf, pos, end, tag & 7)
    }
  }
  const nameLen = nameEnd - nameStart
  if (nameLen === 0) throw new DecodeError('empty label name')
  if (nameLen > limits.maxLabelNameBytes)
    throw new LimitError('maxLabelNameBytes', limits.maxLabelNameBytes, nameLen)
  const valueLen = valueEnd - valueStart
  if (valueLen > limits.maxLabelValueBytes) {
    throw new LimitError('maxLabelValueBytes', limits.maxLabelValueBytes, valueLen)
  }
  // A byte with bit 7 set means non-ASCII: only then is the full UTF-8 check needed.
  if ((visitLabel(buf, view, nameStart, nameEnd, valueStart, valueEnd) & 0x80808080) !== 0) {
    checkUtf8(buf, nameStart, nameEnd, valueStart, valueEnd)
  }
  if (keying?.has(buf, nameStart, nameEnd)) keyHash.label(buf, view, nameStart, nameEnd, valueStart, valueEnd)
}

/** Throws unless the name and value of a label (known to hold a non-ASCII byte) are well-formed UTF-8. */
function checkUtf8(
  buf: Uint8Array,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
): void {
  if (!isValidUtf8(buf, nameStart, nameEnd)) throw new DecodeError('label name is not valid UTF-8')
  if (!isValidUtf8(buf, valueStart, valueEnd)) throw new DecodeError('label value is not valid UTF-8')
}

/**
 * True when the Label field whose length prefix is at `buf[pos]` is laid out as every encoder writes
 * it and passes the structural and limit checks of {@link walkLabel}: `len 0x0a nameLen name 0x12
 * valueLen value`, a non-empty name, the value ending exactly at the end of the label, both strings
 * within their limits. A 1-byte label length (< 128) makes both inner lengths 1-byte varints too,
 * since each must fit inside the label. Anything else (long labels, repeated or unknown fields,
 * other orders, an empty name, a crossed limit) goes through walkLabel, which reports it.
 */
function isPlainLabel(buf: Uint8Array, pos: number, end: number, limits: WireLimits): boolean {
  // The smallest plain label field is 6 bytes (len 0x0a 1 x 0x12 0): the reads below stay in bounds.
  if (end - pos < 6) return false
  const len = buf[pos]!
  const nameLen = buf[pos + 2]!
  if (len >= 0x80 || len > end - pos - 1 || buf[pos + 1] !== 0x0a || nameLen === 0) return false
  const nameEnd = pos + 3 + nameLen
  const labelEnd = pos + 1 + len
  // The value's tag and length byte must lie inside the label.
  if (nameEnd + 2 > labelEnd || buf[nameEnd] !== 0x12) return false
  const valueLen = buf[nameEnd + 1]!
  return (
    nameEnd + 2 + valueLen === labelEnd &&
    nameLen <= limits.maxLabelNameBytes &&
    valueLen <= limits.maxLabelValueBytes
  )
}

/** Walks one TimeSeries message `buf[pos, end)`; leaves the hash in hashOut and the sample count in seriesSamples. */
function walkSeries(buf: Uint8Array, view: DataView, pos: number, end: number, limits: WireLimits): void {
  let labels = 0
  let samples = 0
  // Without hashing, plain labels in a row are checked for non-ASCII bytes together, see checkPlainRun:
  // where the run starts (the length byte of its first label), -1 when none is open.
  let run = -1
  if (hashing) hashReset()
  if (keying !== null) keyHash.reset()
  while (pos < end) {
    const at = pos
    let tag = buf[pos]!
    if (tag < 0x80) pos++
    else {
      pos = readVarint32(buf, pos, end)
      tag = varintValue
    }
    if (tag === 0x0a && isPlainLabel(buf, pos, end, limits)) {
      // The layout every encoder emits, checked as a whole: hash and UTF-8 check only.
      if (++labels > limits.maxLabelsPerSeries) {
        throw new LimitError('maxLabelsPerSeries', limits.maxLabelsPerSeries, labels)
      }
      const nameEnd = pos + 3 + buf[pos + 2]!
      const valueEnd = pos + 1 + buf[pos]!
      if (hashing) {
        if ((hashLabel(buf, view, pos + 3, nameEnd, nameEnd + 2, valueEnd) & 0x80808080) !== 0) {
          checkUtf8(buf, pos + 3, nameEnd, nameEnd + 2, valueEnd)
        }
      } else if (run === -1) run = pos
      if (keying !== null && keying.lengths[buf[pos + 2]!] === 1 && keying.has(buf, pos + 3, nameEnd))
        keyHash.label(buf, view, pos + 3, nameEnd, nameEnd + 2, valueEnd)
      pos = valueEnd
      continue
    }
    if (run !== -1) {
      checkPlainRun(buf, view, run, at)
      run = -1
    }
    const field = tag >>> 3
    if (field >= 1 && field <= 4) {
      if ((tag & 7) !== WT_LEN) throw new DecodeError(`series field ${field} has wrong wire type ${tag & 7}`)
      let len = buf[pos]!
      if (len < 0x80 && pos < end) pos++
      else {
        pos = readVarint32(buf, pos, end)
        len = varintValue
      }
      if (len > end - pos) throw new DecodeError(`series field ${field} overruns its series at byte ${pos}`)
      const fieldEnd = pos + len
      if (field === 1) {
        if (++labels > limits.maxLabelsPerSeries) {
          throw new LimitError('maxLabelsPerSeries', limits.maxLabelsPerSeries, labels)
        }
        walkLabel(buf, view, pos, fieldEnd, limits)
      } else if (field === 2) {
        if (!isPlainSample(buf, pos, fieldEnd)) checkMessage(buf, pos, fieldEnd, SAMPLE_TYPES)
        samples++
      } else if (field === 3) {
        checkMessage(buf, pos, fieldEnd, EXEMPLAR_TYPES)
      } else {
        checkMessage(buf, pos, fieldEnd, HISTOGRAM_TYPES)
        samples++
      }
      pos = fieldEnd
    } else {
      if (field === 0) throw new DecodeError(`field number 0 at byte ${pos}`)
      pos = skipField(buf, pos, end, tag & 7)
    }
  }
  if (run !== -1) checkPlainRun(buf, view, run, end)
  if (samples > limits.maxSamplesPerSeries) {
    throw new LimitError('maxSamplesPerSeries', limits.maxSamplesPerSeries, samples)
  }
  if (hashing) hashFinish()
  seriesSamples = samples
}

/**
 * True for the layout every encoder emits for a non-zero sample: value (field 1, fixed64) then
 * timestamp (field 2, a varint of 1 to 10 bytes). Recognising it inline skips the generic field walk.
 */
function isPlainSample(buf: Uint8Array, pos: number, end: number): boolean {
  const len = end - pos
  if (len < 11 || len > 20 || buf[pos] !== 0x09 || buf[pos + 9] !== 0x10) return false
  for (let i = pos + 10; i < end - 1; i++) if (buf[i]! < 0x80) return false
  return buf[end - 1]! < 0x80
}

function grow(a: Uint32Array, size: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(size)
  b.set(a)
  return b
}

/** Options of {@link splitWriteRequest}. */
export interface SplitOptions {
  /**
   * Compute each series' label hash (default true). Without it `hashHi` and `hashLo` are all zero and
   * the walk costs about half as much: a node that neither routes series to owners nor spreads them
   * over shards has no use for the hash. Validation is the same either way.
   */
  hashes?: boolean
  /**
   * Also compute each series' key hash over these label names (see LabelKey) into `keyHi` and `keyLo`:
   * what a cluster owning series by key routes on. It costs a look at each label name's length.
   */
  keyLabels?: LabelKey
}

/**
 * Splits an uncompressed remote-write 1.0 WriteRequest into a {@link SeriesIndex}, enforcing `limits`
 * and validating the wire structure and label UTF-8 as it goes.
 *
 * @throws DecodeError (400) on malformed input, LimitError (400/413) when a limit is crossed.
 */
export function splitWriteRequest(
  buf: Uint8Array,
  limits: Partial<WireLimits> | WireLimits = {},
  options: SplitOptions = {},
): SeriesIndex {
  const lim = resolveLimits(limits)
  hashing = options.hashes ?? true
  keying = options.keyLabels ?? null
  words =
    !hashing && (buf.byteOffset & 3) === 0
      ? new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength >>> 2)
      : null
  const end = buf.length
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  // Capacity from a typical series size; grown by doubling when the guess is short.
  let cap = Math.min(lim.maxSeries, (end >>> 7) + 16)
  let starts = new Uint32Array(cap)
  let ends = new Uint32Array(cap)
  let his = new Uint32Array(cap)
  let los = new Uint32Array(cap)
  let samples = new Uint32Array(cap)
  let keyHis = new Uint32Array(keying === null ? 0 : cap)
  let keyLos = new Uint32Array(keying === null ? 0 : cap)
  let count = 0
  let metaStarts = new Uint32Array(0)
  let metaEnds = new Uint32Array(0)
  let metaCount = 0
  let pos = 0
  while (pos < end) {
    const fieldStart = pos
    let tag = buf[pos]!
    if (tag < 0x80) pos++
    else {
      pos = readVarint32(buf, pos, end)
      tag = varintValue
    }
    if (tag === 0x0a) {
      pos = readLength(buf, pos, end)
      const fieldEnd = pos + varintValue
      if (count === lim.maxSeries) throw new LimitError('maxSeries', lim.maxSeries, `more than ${count}`)
      walkSeries(buf, view, pos, fieldEnd, lim)
      if (count === cap) {
        cap = Math.min(lim.maxSeries, cap * 2)
        starts = grow(starts, cap)
        ends = grow(ends, cap)
        his = grow(his, cap)
        los = grow(los, cap)
        samples = grow(samples, cap)
        if (keying !== null) {
          keyHis = grow(keyHis, cap)
          keyLos = grow(keyLos, cap)
        }
      }
      starts[count] = fieldStart
      ends[count] = fieldEnd
      if (hashing) {
        his[count] = hashOut[HI]!
        los[count] = hashOut[LO]!
      }
      samples[count] = seriesSamples
      if (keying !== null) keyHash.finish(keyHis, keyLos, count)
      count++
      pos = fieldEnd
    } else if (tag === 0x1a) {
      pos = readLength(buf, pos, end)
      const fieldEnd = pos + varintValue
      checkMetadata(buf, pos, fieldEnd)
      if (metaCount === metaStarts.length) {
        metaStarts = grow(metaStarts, metaCount * 2 + 4)
        metaEnds = grow(metaEnds, metaCount * 2 + 4)
      }
      metaStarts[metaCount] = fieldStart
      metaEnds[metaCount] = fieldEnd
      metaCount++
      pos = fieldEnd
    } else {
      const field = tag >>> 3
      if (field === 0) throw new DecodeError(`field number 0 at byte ${fieldStart}`)
      if (field === 1 || field === 3) {
        throw new DecodeError(`WriteRequest field ${field} has wrong wire type ${tag & 7}`)
      }
      // Unknown fields (e.g. the reserved field 2) are skipped and not carried into split requests.
      pos = skipField(buf, pos, end, tag & 7)
    }
  }
  // Not kept past the walk: it would pin the buffer until the next one.
  words = null
  keying = null
  return new SeriesIndex(
    count,
    starts.subarray(0, count),
    ends.subarray(0, count),
    his.subarray(0, count),
    los.subarray(0, count),
    samples.subarray(0, count),
    keyHis.subarray(0, keyHis.length === 0 ? 0 : count),
    keyLos.subarray(0, keyLos.length === 0 ? 0 : count),
    metaCount,
    metaStarts.subarray(0, metaCount),
    metaEnds.subarray(0, metaCount),
  )
}

/** Checks one MetricMetadata message: wire types, and UTF-8 of its strings (family name, help, unit). */
function checkMetadata(buf: Uint8Array, pos: number, end: number): void {
  checkMessage(buf, pos, end, METADATA_TYPES)
  while (pos < end) {
    let tag = buf[pos]!
    if (tag < 0x80) pos++
    else {
      pos = readVarint32(buf, pos, end)
      tag = varintValue
    }
    if ((tag & 7) === WT_LEN && tag >>> 3 !== 3 && tag >>> 3 <= 5) {
      pos = readLength(buf, pos, end)
      if (!isValidUtf8(buf, pos, pos + varintValue))
        throw new DecodeError('metadata string is not valid UTF-8')
      pos += varintValue
    } else pos = skipField(buf, pos, end, tag & 7)
  }
}

/**
 * Builds one WriteRequest from the series `selected` (indices into `index`) of `buf`, in that order,
 * with one allocation. With `includeMetadata`, the request's metadata entries are appended.
 */
export function buildWriteRequest(
  buf: Uint8Array,
  index: SeriesIndex,
  selected: ArrayLike<number>,
  includeMetadata = false,
): Uint8Array {
  const { starts, ends } = index
  let total = 0
  for (let k = 0; k < selected.length; k++) {
    const i = selected[k]!
    total += ends[i]! - starts[i]!
  }
  if (includeMetadata) {
    for (let m = 0; m < index.metadataCount; m++) total += index.metadataEnds[m]! - index.metadataStarts[m]!
  }
  // Filled exactly: `total` is the sum of the ranges copied below.
  const out = uninitializedBytes(total)
  let off = 0
  for (let k = 0; k < selected.length; ) {
    const i = selected[k++]!
    const start = starts[i]!
    let end = ends[i]!
    // Series that follow each other in `buf` (often, for a few owners) are copied as one range.
    while (k < selected.length && starts[selected[k]!] === end) end = ends[selected[k++]!]!
    off = copyRange(buf, start, end, out, off)
  }
  if (includeMetadata) {
    for (let m = 0; m < index.metadataCount; m++) {
      off = copyRange(buf, index.metadataStarts[m]!, index.metadataEnds[m]!, out, off)
    }
  }
  return out
}

/** Below this length a byte loop avoids allocating the `subarray` view that `set` needs. */
const SMALL_COPY = 64

function copyRange(src: Uint8Array, start: number, end: number, out: Uint8Array, off: number): number {
  if (end - start < SMALL_COPY) {
    for (let j = start; j < end; j++) out[off++] = src[j]!
    return off
  }
  out.set(src.subarray(start, end), off)
  return off + end - start
}
