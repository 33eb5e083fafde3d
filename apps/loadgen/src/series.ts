import { type Label, sortLabels } from '@sluice/contracts'
import { encodeSeries, type SeriesRecord, snappyEncode } from '@sluice/wire'

/** Metric names cycled through, as `/work/shared/bench/gen-payload.mjs` does. */
const NAMES = [
  'node_cpu_seconds_total',
  'node_memory_MemFree_bytes',
  'node_network_receive_bytes_total',
  'http_requests_total',
  'process_cpu_seconds_total',
]

/**
 * Series number `i` of the benchmark shape: `__name__`, `instance`, `job` and `labels - 3` more labels
 * whose values embed `i`, so distinct numbers are distinct series. It is the series gen-payload.mjs
 * builds at position `i` (seed 0), so payloads from here and from there load a receiver alike.
 */
export function benchSeries(
  i: number,
  labels: number,
  timestampMs: number,
  externalLabels: readonly Label[] = [],
): SeriesRecord {
  const set = [
    ...externalLabels,
    { name: '__name__', value: NAMES[i % NAMES.length]! },
    { name: 'instance', value: `host-${(i * 7) % 500}.example.internal:9100` },
    { name: 'job', value: 'node' },
  ]
  for (let l = 3; l < labels; l++) set.push({ name: `label_${l}`, value: `value_${(i + l) % 97}_${i}` })
  sortLabels(set)
  return { labels: set, samples: [{ value: i * 1.5, timestampMs }] }
}

/** Options of {@link buildRequest}. */
export interface RequestShape {
  /** Number of the first series; the request holds `first` to `first + count - 1`. */
  first: number
  count: number
  /** Labels per series, `__name__` included; at least 3. Default 8. */
  labels?: number
  /** Timestamp of every sample. */
  timestampMs: number
  /**
   * Labels added to every series, as an edge's `external_labels` are: a load of several edges is
   * requests that differ in these. Names must differ from the series' own. Default none.
   */
  externalLabels?: readonly Label[]
}

/** A snappy-compressed remote-write 1.0 WriteRequest of series `first .. first + count - 1`, one sample each. */
export function buildRequest(shape: RequestShape): Uint8Array {
  const labels = shape.labels ?? 8
  const records: SeriesRecord[] = []
  for (let i = shape.first; i < shape.first + shape.count; i++)
    records.push(benchSeries(i, labels, shape.timestampMs, shape.externalLabels))
  return snappyEncode(encodeSeries(records))
}
