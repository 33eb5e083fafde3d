import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '@sluice/contracts'
import fc from 'fast-check'
import {
  decodeLokiJson,
  decodeLokiPush,
  decodeWriteRequest,
  decodeWriteV2,
  encodeSeries,
  snappyDecode,
  snappyEncode,
  splitWriteRequest,
  v2ToV1,
} from '../src/index.ts'
import { brokenRemoteWriteBodies } from '../src/testing/corpus.ts'
import { labelSet } from './arbitraries.ts'

/** What a receiver does with a remote-write body. */
function receive(body: Uint8Array): void {
  splitWriteRequest(snappyDecode(body))
}

test('every broken body in the corpus is refused with its expected status and a typed error, quickly', () => {
  const corpus = brokenRemoteWriteBodies()
  assert.ok(corpus.length >= 30)
  for (const c of corpus) {
    const t0 = performance.now()
    assert.throws(
      () => receive(c.body),
      (e: unknown) => isSluiceError(e) && e.status === c.expectStatus && /^SLUICE_ERR_[A-Z_]+$/.test(e.code),
      c.name,
    )
    assert.ok(performance.now() - t0 < 500, `${c.name} took too long`)
  }
})

test('the corpus case names are unique', () => {
  const names = brokenRemoteWriteBodies().map((c) => c.name)
  assert.equal(new Set(names).size, names.length)
})

const decoders: Array<[string, (b: Uint8Array) => unknown]> = [
  ['snappyDecode', (b) => snappyDecode(b, 1 << 20)],
  ['splitWriteRequest', (b) => splitWriteRequest(b)],
  ['decodeWriteRequest', decodeWriteRequest],
  ['decodeWriteV2', (b) => decodeWriteV2(b)],
  ['v2ToV1', (b) => v2ToV1(b)],
  ['decodeLokiPush', decodeLokiPush],
  ['decodeLokiJson', decodeLokiJson],
]

test('random bytes make every decoder succeed or throw a SluiceError, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      for (const [name, decode] of decoders) {
        try {
          decode(bytes)
        } catch (e) {
          assert.ok(isSluiceError(e), `${name}: ${e}`)
        }
      }
    }),
    { numRuns: 1500 },
  )
})

test('mutated valid requests are either accepted or refused with a SluiceError', () => {
  const valid = fc
    .array(labelSet, { minLength: 1, maxLength: 4 })
    .map((sets) =>
      encodeSeries(sets.map((labels) => ({ labels, samples: [{ value: 1.5, timestampMs: 1e12 }] }))),
    )
  const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
    minLength: 1,
    maxLength: 4,
  })
  fc.assert(
    fc.property(valid, mutation, fc.boolean(), (buf, edits, compressed) => {
      const body = compressed ? snappyEncode(buf) : Uint8Array.from(buf)
      for (const [at, byte] of edits) body[at % body.length] = byte
      for (const run of [
        () => receive(body),
        () => splitWriteRequest(body),
        () => decodeWriteRequest(body),
      ]) {
        try {
          run()
        } catch (e) {
          assert.ok(isSluiceError(e), String(e))
        }
      }
    }),
    { numRuns: 1500 },
  )
})
