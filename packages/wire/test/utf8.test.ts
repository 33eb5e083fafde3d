import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { decodeUtf8, isValidUtf8, utf8Length, writeUtf8 } from '../src/utf8.ts'

const fatal = new TextDecoder('utf-8', { fatal: true })
function reference(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes)
    return true
  } catch {
    return false
  }
}

/** Bytes around the UTF-8 boundaries (lead bytes, continuation bytes, overlong and surrogate leads). */
const utf8ish = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0xbf }),
    fc.constantFrom(0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90),
  ),
  { maxLength: 12 },
)

test('the UTF-8 validator accepts exactly what a fatal TextDecoder accepts', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        utf8ish.map((a) => Uint8Array.from(a)),
        fc.uint8Array({ maxLength: 12 }),
      ),
      (bytes) => {
        assert.equal(isValidUtf8(bytes, 0, bytes.length), reference(bytes))
      },
    ),
    { numRuns: 20000 },
  )
})

test('UTF-8 length, write and decode agree with TextEncoder for any text', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
      const expected = new TextEncoder().encode(s)
      assert.equal(utf8Length(s), expected.length)
      const out = new Uint8Array(expected.length)
      assert.equal(writeUtf8(s, out, 0), expected.length)
      assert.deepEqual(out, expected)
      assert.equal(decodeUtf8(out, 0, out.length), s)
    }),
  )
})

test('a leading U+FEFF is data and survives decoding, short or long (TextDecoder drops it by default)', () => {
  for (const s of ['\uFEFF', '\uFEFFé', `\uFEFF${'x'.repeat(64)}`]) {
    const bytes = new TextEncoder().encode(s)
    assert.equal(decodeUtf8(bytes, 0, bytes.length), s)
  }
})
