// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${1}` here is relabel template syntax, not JS.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { goToLower, goToUpper } from '../src/case.ts'
import {
  compareLabelNames,
  dropInternalLabels,
  hashmod,
  isValidLabelName,
  RelabelConfigError,
} from '../src/index.ts'
import { isValidTemplatedName } from '../src/names.ts'

describe('hashmod', () => {
  it('gives the values Prometheus tests assert', () => {
    assert.equal(hashmod('baz', 1000), 976)
    assert.equal(hashmod('foo\nbar', 1000), 734)
  })

  it('equals the low 8 digest bytes as big-endian uint64 modulo m, for any input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (v, m) => {
          const digest = createHash('md5').update(v, 'utf8').digest()
          let low = 0n
          for (let i = 8; i < 16; i++) low = (low << 8n) | BigInt(digest[i]!)
          assert.equal(hashmod(v, m), Number(low % BigInt(m)))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('rejects a modulus that is not a positive integer', () => {
    assert.throws(() => hashmod('x', 0), RelabelConfigError)
    assert.throws(() => hashmod('x', 2.5), RelabelConfigError)
  })
})

describe('Go case mapping', () => {
  const pairs: [string, string, string][] = [
    // [input, Go strings.ToLower, Go strings.ToUpper]
    ['bAr123Foo', 'bar123foo', 'BAR123FOO'],
    ['straße', 'straße', 'STRAßE'],
    ['İstanbul', 'istanbul', 'İSTANBUL'],
    ['ΟΔΟΣ', 'οδοσ', 'ΟΔΟΣ'],
    ['ᾳ ᾀ ŉ', 'ᾳ ᾀ ŉ', 'ᾼ ᾈ ŉ'],
    ['Ǆǅǆ', 'ǆǆǆ', 'ǄǄǄ'],
    ['ﬁ', 'ﬁ', 'ﬁ'],
  ]
  for (const [input, lower, upper] of pairs) {
    it(`maps ${JSON.stringify(input)} code point by code point`, () => {
      assert.equal(goToLower(input), lower)
      assert.equal(goToUpper(input), upper)
    })
  }
})

describe('label names', () => {
  it('validates legacy names', () => {
    for (const ok of ['a', '_', '__name__', 'A_9']) assert.ok(isValidLabelName(ok), ok)
    for (const bad of ['', '9a', 'a-b', 'a.b', 'é']) assert.ok(!isValidLabelName(bad), bad)
    assert.ok(isValidLabelName('a.b-é', 'utf8'))
    assert.ok(!isValidLabelName('', 'utf8'))
    assert.ok(!isValidLabelName('\ud800', 'utf8'))
  })

  it("accepts the same templated names as Prometheus's relabelTargetLegacy regex", () => {
    // Cases from Prometheus's TestTargetLabelLegacyValidity, restated.
    const table: [string, boolean][] = [
      ['-label', false],
      ['label', true],
      ['label${1}', true],
      ['${1}label', true],
      ['${1}', true],
      ['${', false],
      ['$', false],
      ['${}', false],
      ['foo${', false],
      ['$1', true],
      ['asd$2asd', true],
      ['-foo${1}bar-', false],
      ['bar.foo${1}bar', false],
      ['_${1}_', true],
      ['foo${bar}foo', true],
      ['0${1}', false],
    ]
    for (const [s, valid] of table) assert.equal(isValidTemplatedName(s), valid, s)
  })

  it('agrees with the Prometheus regex on random strings, without backtracking blow-up', () => {
    const reference = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/
    fc.assert(
      fc.property(fc.stringMatching(/^[a-c0-2_${}.-]{0,12}$/), (s) => {
        assert.equal(isValidTemplatedName(s), reference.test(s), s)
      }),
      { numRuns: 500 },
    )
    const started = performance.now()
    assert.equal(isValidTemplatedName(`${'a'.repeat(5000)}!`), false)
    assert.ok(performance.now() - started < 100)
  })

  it('orders names by code point, as Prometheus orders UTF-8 bytes', () => {
    assert.ok(compareLabelNames('a', 'b') < 0)
    assert.ok(compareLabelNames('a', 'ab') < 0)
    assert.ok(compareLabelNames('\uffff', '😀') < 0)
    assert.ok('\uffff' > '😀', 'plain < disagrees here, which is why compareLabelNames exists')
    assert.equal(compareLabelNames('x', 'x'), 0)
  })
})

describe('dropInternalLabels', () => {
  it('removes labels starting with __ except __name__', () => {
    const out = dropInternalLabels([
      { name: '__address__', value: 'h' },
      { name: '__name__', value: 'up' },
      { name: '__tmp_x', value: '1' },
      { name: '_single', value: '2' },
      { name: 'job', value: 'j' },
    ])
    assert.deepEqual(out, [
      { name: '__name__', value: 'up' },
      { name: '_single', value: '2' },
      { name: 'job', value: 'j' },
    ])
  })

  it('returns the input array when there is nothing to remove', () => {
    const input = [
      { name: '__name__', value: 'up' },
      { name: 'job', value: 'j' },
    ]
    assert.equal(dropInternalLabels(input), input)
  })
})
