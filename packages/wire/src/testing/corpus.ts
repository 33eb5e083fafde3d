import { DEFAULT_WIRE_LIMITS } from '../limits.ts'
import { snappyEncode } from '../snappy.ts'

/**
 * Broken remote-write bodies, as they would arrive over HTTP, for every receiver's tests. Each case
 * must be answered with `expectStatus` (and never crash or hang) under the default limits.
 */
export interface BrokenBody {
  name: string
  body: Uint8Array
  contentEncoding?: string
  expectStatus: number
}

const enc = new TextEncoder()

function varint(v: number): number[] {
  const out: number[] = []
  while (v >= 0x80) {
    out.push((v % 128) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return out
}

function len(fieldNo: number, body: ArrayLike<number>): number[] {
  return [(fieldNo << 3) | 2, ...varint(body.length), ...Array.from(body)]
}

function str(fieldNo: number, s: string | number[]): number[] {
  return len(fieldNo, typeof s === 'string' ? enc.encode(s) : s)
}

function label(name: string | number[], value: string | number[]): number[] {
  return len(1, [...str(1, name), ...str(2, value)])
}

/** A sample: value 1.0 (fixed64) and timestamp 1000. */
const SAMPLE = len(2, [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, ...varint(1000)])

function series(labels: number[][], samples = 1): number[] {
  const body: number[] = []
  for (const l of labels) body.push(...l)
  for (let i = 0; i < samples; i++) body.push(...SAMPLE)
  return len(1, body)
}

const GOOD_SERIES = series([label('__name__', 'up'), label('job', 'node')])

/** Concatenates without spreading (large cases exceed the argument limit of spread calls). */
function concat(parts: number[][]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

function snappy(raw: Uint8Array | number[]): Uint8Array {
  return snappyEncode(raw instanceof Uint8Array ? raw : Uint8Array.from(raw))
}

/** Deterministic pseudo-random bytes (mulberry32), so the corpus is the same on every run. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let a = seed >>> 0
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    out[i] = (t ^ (t >>> 14)) & 0xff
  }
  return out
}

/** The corpus: see each case's name for what it breaks. */
export function brokenRemoteWriteBodies(): BrokenBody[] {
  const good = Uint8Array.from([...GOOD_SERIES, ...GOOD_SERIES])
  const goodSnappy = snappy(good)
  const L = DEFAULT_WIRE_LIMITS
  const cases: Array<[string, Uint8Array, number]> = [
    // Snappy itself.
    ['zero-length body', new Uint8Array(0), 400],
    ['random bytes', randomBytes(512, 7), 400],
    ['snappy header declares 4 GiB', Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), 413],
    ['snappy header over maxDecodedBytes', Uint8Array.from([...varint(L.maxDecodedBytes + 1), 0x00]), 413],
    ['snappy header varint longer than 5 bytes', Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 400],
    ['snappy header only, no data', Uint8Array.from(varint(100)), 400],
    ['snappy truncated in the middle', goodSnappy.subarray(0, goodSnappy.length >> 1), 400],
    ['snappy copy offset before the start', Uint8Array.from([8, 0x00, 0x41, 0x05, 0x10]), 400],
    ['snappy literal longer than the input', Uint8Array.from([10, 0x24, 0x41, 0x42]), 400],
    [
      'snappy output shorter than declared',
      Uint8Array.from([...varint(good.length + 5), ...goodSnappy.subarray(1)]),
      400,
    ],
    [
      'snappy output longer than declared',
      Uint8Array.from([...varint(good.length - 1), ...goodSnappy.subarray(1)]),
      400,
    ],
    // Protobuf structure, snappy-compressed.
    ['WriteRequest truncated inside a series', snappy(good.subarray(0, good.length - 3)), 400],
    ['timeseries field with varint wire type', snappy([0x08, 0x01]), 400],
    ['metadata field with fixed64 wire type', snappy([0x19, 1, 2, 3, 4, 5, 6, 7, 8]), 400],
    ['label field with varint wire type', snappy(len(1, [0x08, 0x05])), 400],
    ['truncated tag varint', snappy([0x80]), 400],
    ['truncated length varint', snappy([0x0a, 0x80]), 400],
    ['huge declared series length', snappy([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), 400],
    ['series length overruns the request', snappy([0x0a, 0x20, ...label('a', 'b')]), 400],
    ['label length overruns its series', snappy(len(1, [0x0a, 0x30, 0x0a, 0x01, 0x61])), 400],
    ['string length overruns its label', snappy(len(1, len(1, [0x0a, 0x09, 0x61]))), 400],
    ['field number 0', snappy([0x02, 0x00]), 400],
    ['unknown field with group wire type', snappy([...GOOD_SERIES, 0x2b, 0x2c]), 400],
    ['unknown field with wire type 7', snappy([...GOOD_SERIES, 0x4f, 0x00]), 400],
    [
      'sample timestamp varint of 11 bytes',
      snappy(len(1, [...label('a', 'b'), ...len(2, [0x10, ...Array(10).fill(0x80), 0x01])])),
      400,
    ],
    [
      'sample value with varint wire type',
      snappy(len(1, [...label('a', 'b'), ...len(2, [0x08, 0x01])])),
      400,
    ],
    ['empty label name', snappy(series([label('', 'x')])), 400],
    ['label value not UTF-8', snappy(series([label('a', [0xc3, 0x28])])), 400],
    ['label name not UTF-8', snappy(series([label([0xff, 0x61], 'b')])), 400],
    ['overlong UTF-8 in label value', snappy(series([label('a', [0xc0, 0xaf])])), 400],
    ['UTF-16 surrogate in label value', snappy(series([label('a', [0xed, 0xa0, 0x80])])), 400],
    ['truncated UTF-8 sequence at end of value', snappy(series([label('a', [0x61, 0xe2, 0x82])])), 400],
    ['metadata help not UTF-8', snappy(len(3, [0x08, 0x01, ...str(4, [0xfe])])), 400],
    // Limits (default values).
    ['too many series', snappy(concat(new Array(L.maxSeries + 1).fill(GOOD_SERIES))), 413],
    [
      'too many labels on one series',
      snappy(series(Array.from({ length: L.maxLabelsPerSeries + 1 }, (_, i) => label(`l${i}`, 'v')))),
      400,
    ],
    ['label name too long', snappy(series([label('n'.repeat(L.maxLabelNameBytes + 1), 'v')])), 400],
    ['label value too long', snappy(series([label('a', 'v'.repeat(L.maxLabelValueBytes + 1))])), 400],
    [
      'too many samples on one series',
      snappy(
        concat([
          [0x0a, ...varint(8 + (L.maxSamplesPerSeries + 1) * SAMPLE.length)],
          label('a', 'b'),
          ...new Array(L.maxSamplesPerSeries + 1).fill(SAMPLE),
        ]),
      ),
      413,
    ],
  ]
  return cases.map(([name, body, expectStatus]) => ({ name, body, contentEncoding: 'snappy', expectStatus }))
}
