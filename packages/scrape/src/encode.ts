import {
  encodeLabelFields,
  int64Size,
  labelsSize,
  varint32Size,
  writeDouble,
  writeInt64,
  writeLabels,
  writeVarint32,
} from '@sluice/wire'
import type { ScrapedSeries } from './series.ts'

export { encodeLabelFields }

/** One Sample message body: tag + 8-byte double value, tag + int64 timestamp. */
function sampleBodySize(timestampMs: number): number {
  return 10 + int64Size(timestampMs)
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
    let body = s.encodedLabels === null ? labelsSize(s.labels, sizes) : s.encodedLabels.length
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
    pos = writeVarint32(out, pos, bodies[r]!)
    if (s.encodedLabels === null) {
      pos = writeLabels(out, pos, s.labels, sizes, next)
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
