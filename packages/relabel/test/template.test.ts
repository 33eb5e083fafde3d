// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${1}` here is relabel template syntax, not JS.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compileTemplate } from '../src/template.ts'

/** Group names of a regex like `(a)(?P<name>b)(?P<1x>c)`: index 0 is the whole match. */
const names = ['', '', 'name', '1x']
const match = ['abc', 'a', 'b', 'c']

/** [template, expansion] under Go's Regexp.Expand rules. */
const cases: [string, string][] = [
  ['plain', 'plain'],
  ['$1', 'a'],
  ['${1}', 'a'],
  ['$0', 'abc'],
  ['$1x', 'c'], // `1x` is a name, and here a group has it
  ['$1y', ''], // `1y` is a name no group has
  ['${1}y', 'ay'],
  ['$name', 'b'],
  ['${name}', 'b'],
  ['$name_suffix', ''], // the name runs over `_suffix`
  ['${name}_suffix', 'b_suffix'],
  ['$9', ''], // no such group
  ['$01', ''], // leading zero: a name, not a number
  ['$$', '$'],
  ['$$1', '$1'],
  ['$', '$'],
  ['a$', 'a$'],
  ['${', '${'],
  ['${}', '${}'],
  ['${1', '${1'],
  ['$-1', '$-1'],
  ['$é', ''], // Unicode letters are name characters
  ['${1}-${2}-${3}', 'a-b-c'],
  ['$100000000', ''], // too large to be a number, so a (missing) name
]

describe('replacement templates (Go Regexp.Expand)', () => {
  for (const [template, expected] of cases) {
    it(`${JSON.stringify(template)} expands to ${JSON.stringify(expected)}`, () => {
      assert.equal(compileTemplate(template, names).expand(match), expected)
    })
  }

  it('expands a group that did not take part in the match to the empty string', () => {
    assert.equal(compileTemplate('<$1>', ['', '']).expand(['', undefined]), '<>')
  })

  it('resolves a repeated name to the first group that has it', () => {
    assert.equal(compileTemplate('$x', ['', 'x', 'x']).expand(['ab', 'a', 'b']), 'a')
  })

  it('is constant when it references no group', () => {
    assert.equal(compileTemplate('a$$b', names).constant, 'a$b')
    assert.equal(compileTemplate('a$1', names).constant, undefined)
  })
})
