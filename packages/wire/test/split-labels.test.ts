import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Label } from '@sluice/contracts'
import fc from 'fast-check'
import { DecodeError, encodeSeries, hashLabels, LimitError, splitWriteRequest } from '../src/index.ts'

/**
 * The splitter reads a label laid out the common way (1-byte lengths, name then value, nothing else)
 * through a fast path, and any other layout through the general field walk. These tests pin the
 * boundary between the two: both must give the same hash and the same verdicts.
 */

const utf8 = (s: string) => [...new TextEncoder().encode(s)]

function varint(n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/** A LEN field: tag byte, varint length, payload. */
const field = (tag: number, payload: number[]) => [tag, ...varint(payload.length), ...payload]

/** A WriteRequest of one TimeSeries whose Label messages are given as raw bytes. */
function request(labels: number[][]): Uint8Array {
  const series = labels.flatMap((l) => field(0x0a, l))
  return Uint8Array.from(field(0x0a, series))
}

const hashOf = (labels: Label[]) => hashLabels(labels)

test('labels laid out the common way and every other way hash as hashLabels says', () => {
  const a127 = 'a'.repeat(127)
  const b128 = 'b'.repeat(128)
  const cases: Array<[string, number[], Label]> = [
    [
      'common layout',
      [...field(0x0a, utf8('job')), ...field(0x12, utf8('node'))],
      { name: 'job', value: 'node' },
    ],
    [
      '127-byte name and value (longest 1-byte lengths)',
      [...field(0x0a, utf8(a127)), ...field(0x12, utf8(a127))],
      { name: a127, value: a127 },
    ],
    [
      '128-byte name (2-byte length)',
      [...field(0x0a, utf8(b128)), ...field(0x12, utf8('v'))],
      { name: b128, value: 'v' },
    ],
    [
      '128-byte value (2-byte length)',
      [...field(0x0a, utf8('n')), ...field(0x12, utf8(b128))],
      { name: 'n', value: b128 },
    ],
    ['value before name', [...field(0x12, utf8('v')), ...field(0x0a, utf8('n'))], { name: 'n', value: 'v' }],
    [
      'repeated name (last one wins)',
      [...field(0x0a, utf8('x')), ...field(0x0a, utf8('n')), ...field(0x12, utf8('v'))],
      { name: 'n', value: 'v' },
    ],
    [
      'unknown field after the value',
      [...field(0x0a, utf8('n')), ...field(0x12, utf8('v')), 0x18, 0x05],
      { name: 'n', value: 'v' },
    ],
    ['empty value present', [...field(0x0a, utf8('n')), 0x12, 0x00], { name: 'n', value: '' }],
    ['value absent', field(0x0a, utf8('n')), { name: 'n', value: '' }],
    [
      'non-minimal length varint',
      [0x0a, 0x81, 0x00, ...utf8('n'), ...field(0x12, utf8('v'))],
      { name: 'n', value: 'v' },
    ],
    [
      'non-ASCII value',
      [...field(0x0a, utf8('n')), ...field(0x12, utf8('déjà 🙂'))],
      { name: 'n', value: 'déjà 🙂' },
    ],
  ]
  for (const [name, bytes, label] of cases) {
    const index = splitWriteRequest(request([bytes]))
    assert.equal(index.count, 1, name)
    assert.equal(index.hash(0), hashOf([label]), name)
  }
})

test('the fast and general label paths agree on long and short strings', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 150 })
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          text.filter((s) => s.length > 0),
          text,
        ),
        { minLength: 1, maxLength: 5 },
      ),
      (pairs) => {
        const labels = pairs.map(([name, value]) => ({ name, value }))
        const buf = encodeSeries([{ labels, samples: [{ value: 1, timestampMs: 1 }] }])
        assert.equal(splitWriteRequest(buf).hash(0), hashLabels(labels))
      },
    ),
    { numRuns: 300 },
  )
})

test('a malformed label is refused whether or not it looks like the common layout', () => {
  const decodeErrors: Array<[string, number[]]> = [
    ['empty name', [0x0a, 0x00, ...field(0x12, utf8('v'))]],
    ['name not UTF-8', [...field(0x0a, [0xff]), ...field(0x12, utf8('v'))]],
    ['value not UTF-8', [...field(0x0a, utf8('n')), ...field(0x12, [0xc3, 0x28])]],
    ['surrogate in value', [...field(0x0a, utf8('n')), ...field(0x12, [0xed, 0xa0, 0x80])]],
    ['value length past the label', [...field(0x0a, utf8('n')), 0x12, 0x05, ...utf8('v')]],
    ['name length past the label', [0x0a, 0x09, ...utf8('n'), ...field(0x12, utf8('v'))]],
    ['name with a wrong wire type', [0x08, 0x01, ...field(0x12, utf8('v'))]],
    // 2-byte lengths whose first byte alone would fit the label exactly (the label is then over 127
    // bytes): read as the varints they are, the name swallows the value's tag, the value overruns.
    ['name length 131 as a varint', [0x0a, 0x83, 0x01, ...utf8('n'.repeat(130)), 0x12, 0x00]],
    ['value length 130 as a varint', [...field(0x0a, utf8('n')), 0x12, 0x82, 0x01, ...utf8('v'.repeat(129))]],
  ]
  for (const [name, bytes] of decodeErrors) {
    assert.throws(() => splitWriteRequest(request([bytes])), DecodeError, name)
  }
  // A label whose length prefix runs past its series.
  const series = [0x0a, 0x20, ...field(0x0a, utf8('n')), ...field(0x12, utf8('v'))]
  assert.throws(
    () => splitWriteRequest(Uint8Array.from(field(0x0a, series))),
    DecodeError,
    'label past series',
  )
})

test('label size limits hold at their exact boundary on the fast path', () => {
  const label = (n: number, v: number) => [
    ...field(0x0a, utf8('n'.repeat(n))),
    ...field(0x12, utf8('v'.repeat(v))),
  ]
  const limits = { maxLabelNameBytes: 10, maxLabelValueBytes: 20, maxLabelsPerSeries: 2 }
  assert.equal(splitWriteRequest(request([label(10, 20), label(1, 0)]), limits).count, 1)
  const over: Array<[string, number[][], string]> = [
    ['name one byte over', [label(11, 20)], 'maxLabelNameBytes'],
    ['value one byte over', [label(10, 21)], 'maxLabelValueBytes'],
    ['one label too many', [label(1, 1), label(2, 1), label(3, 1)], 'maxLabelsPerSeries'],
  ]
  for (const [name, labels, limit] of over) {
    assert.throws(
      () => splitWriteRequest(request(labels), limits),
      (e: unknown) => e instanceof LimitError && e.limit === limit,
      name,
    )
  }
})

/** What splitting `buf` gives: the error's class and message, or the index without its hashes. */
function verdict(buf: Uint8Array, hashes: boolean): unknown {
  try {
    const index = splitWriteRequest(buf, {}, { hashes })
    if (!hashes) assert.ok(index.hashLo.every((h) => h === 0) && index.hashHi.every((h) => h === 0))
    return {
      count: index.count,
      starts: [...index.starts],
      ends: [...index.ends],
      samples: [...index.samples],
    }
  } catch (err) {
    return { error: (err as Error).name, message: (err as Error).message }
  }
}

test('without hashes the splitter refuses and indexes exactly what it does with them', () => {
  // Labels as raw bytes, any of them non-UTF-8, in the common layout or not, mixed with samples.
  const bytes = fc.oneof(
    fc.constantFrom(...['job', 'node', 'déjà 🙂', 'x'.repeat(127)].map(utf8)),
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }),
  )
  const label = fc.oneof(
    fc.tuple(bytes, bytes).map(([n, v]) => [...field(0x0a, n), ...field(0x12, v)]),
    fc.tuple(bytes, bytes).map(([n, v]) => [...field(0x12, v), ...field(0x0a, n)]),
  )
  const plainSample = [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0x01]
  const seriesField = fc.oneof(
    { weight: 4, arbitrary: label.map((l) => field(0x0a, l)) },
    { weight: 1, arbitrary: fc.constant(field(0x12, plainSample)) },
  )
  const series = fc.array(seriesField, { maxLength: 6 }).map((fields) => field(0x0a, fields.flat()))
  fc.assert(
    fc.property(fc.array(series, { maxLength: 4 }), (all) => {
      const buf = Uint8Array.from(all.flat())
      const expected = verdict(buf, true)
      assert.deepEqual(verdict(buf, false), expected)
      // The same bytes at each offset from a word boundary (aligned word loads or not).
      for (let shift = 1; shift < 4; shift++) {
        const shifted = new Uint8Array(buf.length + shift).subarray(shift)
        shifted.set(buf)
        assert.deepEqual(verdict(shifted, false), expected)
      }
    }),
    { numRuns: 2000 },
  )
})

test('without hashes a non-UTF-8 label anywhere in a run of common-layout labels is refused', () => {
  const ok = [...field(0x0a, utf8('job')), ...field(0x12, utf8('node'))]
  const bad: Array<[string, number[]]> = [
    ['name', [...field(0x0a, [0x6e, 0xff]), ...field(0x12, utf8('v'))]],
    ['value', [...field(0x0a, utf8('n')), ...field(0x12, [0xc3, 0x28])]],
    ['surrogate', [...field(0x0a, utf8('n')), ...field(0x12, [0xed, 0xa0, 0x80])]],
  ]
  for (const [name, label] of bad) {
    for (const labels of [[label], [ok, label], [label, ok], [ok, label, ok]]) {
      assert.throws(() => splitWriteRequest(request(labels), {}, { hashes: false }), DecodeError, name)
    }
  }
  // Non-ASCII but valid, in the same positions: accepted.
  const fine = [...field(0x0a, utf8('n')), ...field(0x12, utf8('déjà 🙂'))]
  assert.equal(splitWriteRequest(request([ok, fine, ok]), {}, { hashes: false }).count, 1)
})
