import type { Label } from '@sluice/contracts'
import { DecodeError, LimitError } from './errors.ts'
import { resolveLimits, type WireLimits } from './limits.ts'
import {
  allow,
  checkMessage,
  readLength,
  readVarint32,
  skipField,
  varintValue,
  WT_LEN,
  WT_VARINT,
  wireTable,
} from './protowire.ts'
import {
  type Exemplar,
  encodeWriteRequest,
  type Histogram,
  type MetricMetadata,
  MetricType,
  type TimeSeries,
} from './remote-write.ts'
import { decodeWith, WriteRequestV2Type } from './schemas.ts'
import { isValidUtf8, utf8Length } from './utf8.ts'

/**
 * Remote-write 2.0 (`io.prometheus.write.v2.Request`) and its conversion to 1.0, so that the rest of
 * Sluice handles one format.
 *
 * What 1.0 cannot carry, and is therefore lost by {@link v2ToV1}:
 * - `created_timestamp` of a series (1.0 has no field for it);
 * - metadata per series: 1.0 carries metadata per metric family, so the first series of a family
 *   decides its type, help and unit, and the family name is the series name (minus `_bucket`,
 *   `_count`, `_sum` for histograms and summaries);
 * - several TimeSeries with the same labels stay separate entries (1.0 allows that too).
 */

export interface SampleV2 {
  value: number
  timestamp: number
}

export interface ExemplarV2 {
  labelsRefs: number[]
  value: number
  timestamp: number
}

export interface MetadataV2 {
  type: number
  helpRef: number
  unitRef: number
}

export interface TimeSeriesV2 {
  labelsRefs: number[]
  samples: SampleV2[]
  histograms: Histogram[]
  exemplars: ExemplarV2[]
  metadata: MetadataV2 | null
  createdTimestamp: number
}

export interface WriteRequestV2 {
  symbols: string[]
  timeseries: TimeSeriesV2[]
}

/** 2.0 TimeSeries fields: labels_refs may be packed or not (proto3). */
const SERIES_V2_TYPES = wireTable([
  [1, allow(WT_LEN, WT_VARINT)],
  [2, allow(WT_LEN)],
  [3, allow(WT_LEN)],
  [4, allow(WT_LEN)],
  [5, allow(WT_LEN)],
  [6, allow(WT_VARINT)],
])

/**
 * Walks the top level before protobufjs materialises anything: counts series against `maxSeries`,
 * checks wire types, and validates symbols as UTF-8 (protobufjs would silently replace bad bytes).
 */
function preWalk(buf: Uint8Array, limits: WireLimits): void {
  let pos = 0
  let series = 0
  const end = buf.length
  while (pos < end) {
    pos = readVarint32(buf, pos, end)
    const tag = varintValue
    const field = tag >>> 3
    if (field === 0) throw new DecodeError(`field number 0 at byte ${pos}`)
    if (field === 4 || field === 5) {
      if ((tag & 7) !== WT_LEN) throw new DecodeError(`Request field ${field} has wrong wire type ${tag & 7}`)
      pos = readLength(buf, pos, end)
      const fieldEnd = pos + varintValue
      if (field === 4) {
        if (!isValidUtf8(buf, pos, fieldEnd)) throw new DecodeError('symbol is not valid UTF-8')
      } else {
        if (++series > limits.maxSeries) throw new LimitError('maxSeries', limits.maxSeries, series)
        checkMessage(buf, pos, fieldEnd, SERIES_V2_TYPES)
      }
      pos = fieldEnd
    } else pos = skipField(buf, pos, end, tag & 7)
  }
}

/**
 * Decodes an uncompressed 2.0 Request into plain objects. Symbol references are not resolved.
 *
 * @throws DecodeError (400) on malformed input, LimitError (413) over `maxSeries`.
 */
export function decodeWriteV2(bytes: Uint8Array, limits: Partial<WireLimits> = {}): WriteRequestV2 {
  preWalk(bytes, resolveLimits(limits))
  const obj = decodeWith(WriteRequestV2Type, bytes, 'remote-write 2.0 Request') as unknown as WriteRequestV2
  return obj
}

function symbol(symbols: readonly string[], ref: number, what: string): string {
  // Ref 0 is the empty string by the spec's rule that symbols start with it; tolerate a sender that
  // sent no symbols at all.
  if (ref === 0 && symbols.length === 0) return ''
  const s = symbols[ref]
  if (s === undefined)
    throw new DecodeError(`${what} reference ${ref} is outside the ${symbols.length} symbols`)
  return s
}

function resolveLabels(symbols: readonly string[], refs: readonly number[], what: string): Label[] {
  if (refs.length % 2 !== 0) throw new DecodeError(`${what} labels_refs has an odd length ${refs.length}`)
  const labels = new Array<Label>(refs.length / 2)
  for (let i = 0; i < refs.length; i += 2) {
    labels[i / 2] = { name: symbol(symbols, refs[i]!, what), value: symbol(symbols, refs[i + 1]!, what) }
  }
  return labels
}

function checkLabels(labels: readonly Label[], limits: WireLimits): void {
  if (labels.length > limits.maxLabelsPerSeries) {
    throw new LimitError('maxLabelsPerSeries', limits.maxLabelsPerSeries, labels.length)
  }
  for (const l of labels) {
    if (l.name === '') throw new DecodeError('empty label name')
    const n = utf8Length(l.name)
    if (n > limits.maxLabelNameBytes) throw new LimitError('maxLabelNameBytes', limits.maxLabelNameBytes, n)
    const v = utf8Length(l.value)
    if (v > limits.maxLabelValueBytes)
      throw new LimitError('maxLabelValueBytes', limits.maxLabelValueBytes, v)
  }
}

const FAMILY_SUFFIXES = ['_bucket', '_count', '_sum']

/** The 1.0 metric family of a series name: histogram and summary series drop their per-series suffix. */
function familyName(name: string, type: number): string {
  if (type === MetricType.HISTOGRAM || type === MetricType.GAUGEHISTOGRAM || type === MetricType.SUMMARY) {
    for (const suffix of FAMILY_SUFFIXES) if (name.endsWith(suffix)) return name.slice(0, -suffix.length)
  }
  return name
}

/**
 * Converts an uncompressed 2.0 Request into an equivalent uncompressed 1.0 WriteRequest: labels,
 * samples, native histograms and exemplars carry over unchanged; metadata becomes per family (see the
 * module notes for what is lost). Limits are enforced as the splitter enforces them on 1.0.
 *
 * @throws DecodeError (400) on malformed input or a dangling symbol reference, LimitError (400/413).
 */
export function v2ToV1(bytes: Uint8Array, limits: Partial<WireLimits> = {}): Uint8Array {
  const lim = resolveLimits(limits)
  const req = decodeWriteV2(bytes, lim)
  const { symbols } = req
  const timeseries: TimeSeries[] = []
  const metadata: MetricMetadata[] = []
  const families = new Set<string>()
  for (const ts of req.timeseries) {
    const labels = resolveLabels(symbols, ts.labelsRefs, 'series')
    checkLabels(labels, lim)
    const n = ts.samples.length + ts.histograms.length
    if (n > lim.maxSamplesPerSeries) throw new LimitError('maxSamplesPerSeries', lim.maxSamplesPerSeries, n)
    const exemplars: Exemplar[] = ts.exemplars.map((e) => ({
      labels: resolveLabels(symbols, e.labelsRefs, 'exemplar'),
      value: e.value,
      timestamp: e.timestamp,
    }))
    timeseries.push({ labels, samples: ts.samples, exemplars, histograms: ts.histograms })
    const md = ts.metadata
    if (md !== null && (md.type !== 0 || md.helpRef !== 0 || md.unitRef !== 0)) {
      const name = labels.find((l) => l.name === '__name__')?.value
      if (name !== undefined) {
        const family = familyName(name, md.type)
        const help = symbol(symbols, md.helpRef, 'help')
        const unit = symbol(symbols, md.unitRef, 'unit')
        if (!families.has(family)) {
          families.add(family)
          metadata.push({ type: md.type, metricFamilyName: family, help, unit })
        }
      }
    }
  }
  return encodeWriteRequest({ timeseries, metadata })
}
