import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Label } from '@sluice/contracts'
import fc from 'fast-check'
import { encodeWriteRequest, hashLabels, LabelKey, splitWriteRequest } from '../src/index.ts'
import { labelName, record, timeSeries } from './arbitraries.ts'

const keyOf = (index: { keyHi: Uint32Array; keyLo: Uint32Array }, i: number): bigint =>
  (BigInt(index.keyHi[i]!) << 32n) | BigInt(index.keyLo[i]!)

const request = record({ timeseries: fc.array(timeSeries, { maxLength: 8 }) })

test('a key is hashLabels of the labels named in it, with or without the series hash, which it leaves as it was', () => {
  fc.assert(
    fc.property(request, fc.array(labelName, { maxLength: 3 }), fc.boolean(), (req, picked, hashes) => {
      // Names the series have, and maybe some they do not.
      const present = req.timeseries.flatMap((s) => s.labels.map((l) => l.name))
      const names = [...picked, ...present.filter((_, i) => i % 3 === 0)]
      const buf = encodeWriteRequest(req)
      const plain = splitWriteRequest(buf, {}, { hashes })
      const keyed = splitWriteRequest(buf, {}, { hashes, keyLabels: new LabelKey(names) })
      assert.equal(keyed.count, req.timeseries.length)
      assert.deepEqual(keyed.hashHi, plain.hashHi)
      assert.deepEqual(keyed.hashLo, plain.hashLo)
      assert.deepEqual(keyed.starts, plain.starts)
      req.timeseries.forEach((s, i) => {
        const subset: Label[] = s.labels.filter((l) => names.includes(l.name))
        assert.equal(keyOf(keyed, i), hashLabels(subset))
      })
    }),
    { numRuns: 300 },
  )
})

test('series that agree on the key labels share a key whatever else they carry; a series without them has the empty set key', () => {
  const key = new LabelKey(['agent', 'cluster'])
  // A series of labels given as name=value pairs, no samples.
  const series = (...pairs: string[]) => ({
    labels: pairs.map((p) => ({ name: p.split('=')[0]!, value: p.split('=')[1]! })),
    samples: [],
    exemplars: [],
    histograms: [],
  })
  const buf = encodeWriteRequest({
    timeseries: [
      series('agent=edge-1', 'job=a'),
      series('__name__=up', 'agent=edge-1'),
      series('agent=edge-2', 'job=a'),
      series('job=a'),
    ],
  })
  const index = splitWriteRequest(buf, {}, { hashes: false, keyLabels: key })
  assert.equal(keyOf(index, 0), keyOf(index, 1))
  assert.notEqual(keyOf(index, 0), keyOf(index, 2))
  assert.equal(keyOf(index, 3), hashLabels([]))
})

test('a split without key labels has empty key arrays', () => {
  const buf = encodeWriteRequest({
    timeseries: [{ labels: [{ name: 'job', value: 'a' }], samples: [], exemplars: [], histograms: [] }],
  })
  const index = splitWriteRequest(buf)
  assert.equal(index.keyHi.length, 0)
  assert.equal(index.keyLo.length, 0)
})

test('a key name matches bytes exactly: same length or prefix is not enough, repeats count once, UTF-8 names work', () => {
  const key = new LabelKey(['job', 'job', 'zône'])
  const bytes = (s: string) => new TextEncoder().encode(s)
  const has = (s: string) => key.has(bytes(s), 0, bytes(s).length)
  assert.ok(has('job'))
  assert.ok(has('zône'))
  assert.ok(!has('jot'))
  assert.ok(!has('jo'))
  assert.ok(!has('jobs'))
  assert.ok(!has('zone'))
  assert.equal(key.names.length, 2)
})

test('labels laid out other than the common way are keyed as hashLabels says', () => {
  const utf8 = (s: string) => [...new TextEncoder().encode(s)]
  const field = (tag: number, payload: number[]) => [tag, payload.length, ...payload]
  const label = (bytes: number[]) => field(0x0a, bytes)
  // One series: a common-layout label, then `agent` with its value first, then a repeated name.
  const series = [
    ...label([...field(0x0a, utf8('a')), ...field(0x12, utf8('1'))]),
    ...label([...field(0x12, utf8('edge-7')), ...field(0x0a, utf8('agent'))]),
    ...label([...field(0x0a, utf8('zzzzz')), ...field(0x0a, utf8('zone')), ...field(0x12, utf8('eu'))]),
  ]
  const buf = Uint8Array.from(field(0x0a, series))
  const index = splitWriteRequest(buf, {}, { hashes: false, keyLabels: new LabelKey(['agent', 'zone']) })
  assert.equal(
    keyOf(index, 0),
    hashLabels([
      { name: 'agent', value: 'edge-7' },
      { name: 'zone', value: 'eu' },
    ]),
  )
})
