import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  DecodeError,
  decodeLokiJson,
  decodeLokiPush,
  encodeLokiJson,
  encodeLokiPush,
  formatLabelSet,
  type LokiPushRequest,
  parseLabelSet,
} from '../src/index.ts'
import { labelName, labelSet, labelValue, record } from './arbitraries.ts'

const entry = record({
  timestampNs: fc.bigInt({ min: -(10n ** 18n), max: 4n * 10n ** 18n }),
  line: fc.string({ unit: 'binary', maxLength: 40 }),
  structuredMetadata: fc
    .uniqueArray(fc.tuple(labelName, labelValue), { selector: ([n]) => n, maxLength: 3 })
    .map((pairs) => pairs.map(([name, value]) => ({ name, value }))),
})
const push: fc.Arbitrary<LokiPushRequest> = record({
  streams: fc.array(record({ labels: labelSet, entries: fc.array(entry, { maxLength: 4 }) }), {
    maxLength: 4,
  }),
})

test('Loki protobuf push requests survive encode and decode unchanged', () => {
  fc.assert(
    fc.property(push, (req) => assert.deepEqual(decodeLokiPush(encodeLokiPush(req)), req)),
    { numRuns: 300 },
  )
})

test('Loki JSON push requests survive encode and decode unchanged, as text and as bytes', () => {
  fc.assert(
    fc.property(push, (req) => {
      const json = encodeLokiJson(req)
      assert.deepEqual(decodeLokiJson(json), req)
      assert.deepEqual(decodeLokiJson(new TextEncoder().encode(json)), req)
    }),
    { numRuns: 300 },
  )
})

test('the JSON form reads the documented shape, metadata optional', () => {
  const req = decodeLokiJson(
    '{"streams":[{"stream":{"job":"a","app":"b"},"values":[["1700000000000000001","x"],["2","y",{"trace_id":"t"}]]}]}',
  )
  assert.deepEqual(req.streams[0]!.labels, [
    { name: 'app', value: 'b' },
    { name: 'job', value: 'a' },
  ])
  assert.equal(req.streams[0]!.entries[0]!.timestampNs, 1700000000000000001n)
  assert.deepEqual(req.streams[0]!.entries[1]!.structuredMetadata, [{ name: 'trace_id', value: 't' }])
})

test('malformed Loki JSON bodies are DecodeErrors', () => {
  const bad = [
    'not json',
    '{}',
    '{"streams":{}}',
    '{"streams":[{"stream":{"a":1},"values":[]}]}',
    '{"streams":[{"stream":{},"values":[["x","line"]]}]}',
    '{"streams":[{"stream":{},"values":[[1,"line"]]}]}',
    '{"streams":[{"stream":{},"values":[["1"]]}]}',
    '{"streams":[{"stream":{},"values":[["1","l",{"k":2}]]}]}',
    '{"streams":[null]}',
  ]
  for (const body of bad) assert.throws(() => decodeLokiJson(body), DecodeError, body)
  assert.throws(() => decodeLokiJson(Uint8Array.from([0x7b, 0xff, 0x7d])), DecodeError)
})

test('label sets format and parse back, with Go-style escapes', () => {
  fc.assert(
    fc.property(labelSet, (labels) => assert.deepEqual(parseLabelSet(formatLabelSet(labels)), labels)),
  )
  assert.deepEqual(parseLabelSet('{ b = "x\\ty\\u00e9\\x41" , a=`raw\\`}'), [
    { name: 'a', value: 'raw\\' },
    { name: 'b', value: 'x\tyéA' },
  ])
  // Escaped bytes are UTF-8, a BOM's included: Go keeps it, and so must the value.
  assert.deepEqual(parseLabelSet('{a="\\xef\\xbb\\xbfx"}'), [{ name: 'a', value: '\uFEFFx' }])
  assert.deepEqual(parseLabelSet('{}'), [])
  for (const bad of ['', '{', '{a}', '{a="b"', '{a="b",a="c"}', '{1a="b"}', '{a="\\q"}', '{a="b"} x']) {
    assert.throws(() => parseLabelSet(bad), DecodeError, bad)
  }
})

test('a protobuf stream with malformed labels is a DecodeError', () => {
  const bytes = encodeLokiPush({ streams: [{ labels: [{ name: 'a', value: 'b' }], entries: [] }] })
  const broken = Uint8Array.from(bytes)
  broken[broken.indexOf(0x7b)] = 0x28 // '{' -> '('
  assert.throws(() => decodeLokiPush(broken), DecodeError)
  assert.throws(() => decodeLokiPush(Uint8Array.from([0x0a, 0x05, 0x01])), DecodeError)
})
