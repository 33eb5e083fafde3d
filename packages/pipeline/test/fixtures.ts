import type { Label } from '@sluice/contracts'
import {
  decodeWriteRequest,
  encodeWriteRequest,
  resolveLimits,
  snappyDecode,
  type TimeSeries,
  type WriteRequest,
} from '@sluice/wire'

/** Default wire limits, for jobs. */
export const LIMITS = resolveLimits()

/** A small family of series: `metric_{i%4}` with `instance="host-i"`, `job="job_{i%3}"`, and `samples` samples. */
export function makeSeries(count: number, samples = 2, offset = 0): TimeSeries[] {
  const out: TimeSeries[] = []
  for (let n = 0; n < count; n++) {
    const i = n + offset
    out.push({
      labels: [
        { name: '__name__', value: `metric_${i % 4}` },
        { name: 'instance', value: `host-${i}` },
        { name: 'job', value: `job_${i % 3}` },
      ],
      samples: Array.from({ length: samples }, (_, k) => ({
        value: i + k / 10,
        timestamp: 1_700_000_000_000 + k,
      })),
      exemplars: [],
      histograms: [],
    })
  }
  return out
}

/** An uncompressed remote-write 1.0 body. */
export function encode(series: TimeSeries[], metadata: WriteRequest['metadata'] = []): Uint8Array {
  return encodeWriteRequest({ timeseries: series, metadata })
}

export function decode(payload: Uint8Array): WriteRequest {
  return decodeWriteRequest(payload)
}

/** The uncompressed request of a sink output (sink payloads are snappy blocks). */
export function unpack(payload: Uint8Array): Uint8Array {
  return snappyDecode(payload)
}

/** A label set as one comparable string. */
export function key(labels: readonly Label[]): string {
  return labels.map((l) => `${l.name}=${l.value}`).join(',')
}

/** The label-set keys of every series of a payload. */
export function keys(payload: Uint8Array): string[] {
  return decode(payload).timeseries.map((s) => key(s.labels))
}

function varint(v: number, out: number[]): void {
  while (v >= 0x80) {
    out.push((v % 128) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
}

function field(no: number, body: number[], out: number[]): void {
  out.push((no << 3) | 2)
  varint(body.length, out)
  for (const b of body) out.push(b)
}

/**
 * A remote-write 2.0 request for `series` (float samples only), encoded by hand from the 2.0 schema:
 * Request.symbols = 4 (symbols[0] must be ""), Request.timeseries = 5, TimeSeries.labels_refs = 1
 * (packed), TimeSeries.samples = 2, Sample.value = 1 (double), Sample.timestamp = 2 (int64).
 */
export function encodeV2(series: TimeSeries[]): Uint8Array {
  const symbols = ['']
  const refOf = new Map<string, number>([['', 0]])
  const ref = (s: string): number => {
    let r = refOf.get(s)
    if (r === undefined) {
      r = symbols.length
      symbols.push(s)
      refOf.set(s, r)
    }
    return r
  }
  const out: number[] = []
  const body: number[][] = []
  for (const s of series) {
    const ts: number[] = []
    const refs: number[] = []
    for (const l of s.labels) {
      varint(ref(l.name), refs)
      varint(ref(l.value), refs)
    }
    field(1, refs, ts)
    for (const smp of s.samples) {
      const sb: number[] = [0x09, ...new Uint8Array(new Float64Array([smp.value]).buffer), 0x10]
      varint(smp.timestamp, sb)
      field(2, sb, ts)
    }
    body.push(ts)
  }
  const enc = new TextEncoder()
  for (const sym of symbols) field(4, Array.from(enc.encode(sym)), out)
  for (const ts of body) field(5, ts, out)
  return new Uint8Array(out)
}

/**
 * A remote-write 1.0 body whose series carry their samples before their labels: legal protobuf that
 * no Prometheus encoder writes, to reach the pipeline's general (non-memo) path.
 */
export function encodeLabelsLast(series: TimeSeries[]): Uint8Array {
  const enc = new TextEncoder()
  const out: number[] = []
  for (const s of series) {
    const ts: number[] = []
    for (const smp of s.samples) {
      const sb: number[] = [0x09, ...new Uint8Array(new Float64Array([smp.value]).buffer), 0x10]
      varint(smp.timestamp, sb)
      field(2, sb, ts)
    }
    for (const l of s.labels) {
      const lb: number[] = []
      field(1, Array.from(enc.encode(l.name)), lb)
      field(2, Array.from(enc.encode(l.value)), lb)
      field(1, lb, ts)
    }
    field(1, ts, out)
  }
  return new Uint8Array(out)
}
