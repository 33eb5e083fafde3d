import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compileRe2, RegexSyntaxError, translateRegex } from '../src/index.ts'

/** [pattern, strings RE2 matches in full, strings it does not]. Expectations follow RE2's syntax docs. */
const behaviour: [string, string[], string[]][] = [
  ['abc', ['abc'], ['ab', 'abcd', 'xabc']],
  ['a|bc', ['a', 'bc'], ['abc', 'ac']],
  ['.', ['a', '\r', '\u2028', '😀'], ['\n', '', 'ab']],
  ['(?s).', ['\n'], ['']],
  ['(?s:.)x', ['\nx'], ['\n\n']],
  ['a(?i)b|c', ['ab', 'aB', 'c', 'C'], ['Ab', 'aC']],
  ['(?i:a)b', ['ab', 'Ab'], ['aB']],
  ['(?i)a(?-i)b', ['Ab'], ['AB']],
  ['(?i)k', ['k', 'K', '\u212a'], ['x']],
  ['(?i)[^a]', ['b', 'B'], ['a', 'A']],
  ['(?i)\\p{Lu}', ['A', 'a'], ['1']],
  ['(?m)a$\\n^b', ['a\nb'], ['a\rb']],
  ['a$', ['a'], ['a\n']],
  ['^*a', ['a'], ['aa']],
  ['\\Aab\\z', ['ab'], ['ab\n']],
  ['\\bfoo\\b.*', ['foo bar'], ['foobar']],
  ['x\\B.*', ['xy'], ['x y']],
  ['\\d+', ['0123'], ['١٢', 'a']],
  ['\\D', ['a'], ['5']],
  ['\\s', [' ', '\t', '\n', '\f', '\r'], ['\v', '\u00a0', '\u2003']],
  ['\\S', ['\v', 'a'], [' ']],
  ['\\w+', ['a_Z9'], ['é', '-']],
  ['\\W', ['-', 'é'], ['_']],
  ['[[:alpha:]]+', ['abcXYZ'], ['é', '1']],
  ['[[:^digit:]x]+', ['abx'], ['1']],
  ['[[:space:]]', ['\v', '\t'], ['a']],
  ['[[:punct:]]+', ['!/:@[`{~'], ['a', ' ']],
  ['[[:xdigit:]]+', ['09afAF'], ['g']],
  ['[[:word:][:blank:]]+', ['a_ b'], ['-']],
  ['\\pL+', ['abcé日本'], ['1']],
  ['\\p{Greek}+', ['αβγ'], ['abc']],
  ['\\PL', ['1'], ['a']],
  ['\\p{^L}', ['1'], ['a']],
  ['[\\p{Nd}a]+', ['a١2'], ['b']],
  ['\\p{Any}', ['\n', 'x'], ['']],
  ['\\Qa.b*c\\E+', ['a.b*c', 'a.b*cc'], ['aXbc']],
  ['\\Qa.b', ['a.b'], ['axb']],
  ['[]a]+', [']a]'], ['b']],
  ['[^]a]', ['b'], [']', 'a']],
  ['[a-]+', ['a-'], ['b']],
  ['[a-c-e]+', ['abc-e'], ['d']],
  ['[\\-\\]\\\\]+', ['-]\\'], ['a']],
  ['[[a]+', ['[a'], ['b']],
  ['\\_\\-\\:\\.\\ \\#', ['_-:. #'], []],
  ['\\x41\\x{1F600}\\101\\0', ['A😀A\0'], []],
  ['\\a\\f\\t\\n\\r\\v', ['\x07\f\t\n\r\v'], []],
  ['a{2}', ['aa'], ['a', 'aaa']],
  ['a{2,}', ['aa', 'aaaa'], ['a']],
  ['a{1,2}b', ['ab', 'aab'], ['aaab']],
  ['a{0}b', ['b'], ['ab']],
  ['a{,2}', ['a{,2}'], ['aa']],
  ['a{x}', ['a{x}'], []],
  ['x{01}', ['x{01}'], ['x']],
  ['{', ['{'], []],
  ['a}', ['a}'], []],
  ['(a*)*', ['', 'aaa'], ['b']],
  ['(a)|b', ['a', 'b'], ['ab']],
  ['(?:ab)+', ['abab'], ['aba']],
  ['(?U)(a+)(a*)', ['aaa'], []],
  ['a/b', ['a/b'], []],
  ['日本+', ['日本本'], ['日']],
  ['😀+', ['😀😀'], ['\ud83d']],
  ['', [''], ['a']],
  ['()', [''], ['a']],
  ['(?)a', ['a'], []],
  ['(?i-s:.)', ['A'], ['\n']],
]

/** Patterns RE2 (Go regexp/syntax) rejects, with the exact message. */
const rejected: [string, string][] = [
  ['(?=a)', 'invalid or unsupported Perl syntax: `(?=` (lookahead assertions are not supported by RE2)'],
  ['(?!a)', 'invalid or unsupported Perl syntax: `(?!` (lookahead assertions are not supported by RE2)'],
  ['(?<=a)b', 'invalid or unsupported Perl syntax: `(?<=` (lookbehind assertions are not supported by RE2)'],
  ['(?<!a)b', 'invalid or unsupported Perl syntax: `(?<!` (lookbehind assertions are not supported by RE2)'],
  ['(?>a)', 'invalid or unsupported Perl syntax: `(?>` (atomic groups are not supported by RE2)'],
  [
    '(?P=n)',
    'invalid or unsupported Perl syntax: `(?P` (RE2 supports (?P<name>...) but not (?P=name) backreferences or (?P>name) recursion)',
  ],
  [
    "(?'n'a)",
    "invalid or unsupported Perl syntax: `(?'` (write named groups as (?P<name>...) or (?<name>...))",
  ],
  ['(?#c)', 'invalid or unsupported Perl syntax: `(?#` (comments are not supported by RE2)'],
  ['(?i', 'invalid or unsupported Perl syntax: `(?i`'],
  ['(?-)', 'invalid or unsupported Perl syntax: `(?-)`'],
  ['(?i-m-s)', 'invalid or unsupported Perl syntax: `(?i-m-`'],
  ['a*+', 'invalid nested repetition operator: `*+` (possessive quantifiers are not supported by RE2)'],
  ['a++', 'invalid nested repetition operator: `++` (possessive quantifiers are not supported by RE2)'],
  ['a**', 'invalid nested repetition operator: `**`'],
  ['a*??', 'invalid nested repetition operator: `*??`'],
  ['a{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
  ['(a)\\1', 'invalid escape sequence: `\\1` (backreferences are not supported by RE2)'],
  ['\\9', 'invalid escape sequence: `\\9` (backreferences are not supported by RE2)'],
  ['\\k<n>', 'invalid escape sequence: `\\k` (backreferences are not supported by RE2)'],
  ['\\Z', 'invalid escape sequence: `\\Z` (RE2 has \\z (end of text) but not \\Z)'],
  ['\\C', 'invalid escape sequence: `\\C` (RE2 in Go does not support \\C (any byte))'],
  ['\\q', 'invalid escape sequence: `\\q`'],
  ['[\\b]', 'invalid escape sequence: `\\b`'],
  ['\\xZZ', 'invalid escape sequence: `\\xZZ`'],
  ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
  ['\\x{}', 'invalid escape sequence: `\\x{}`'],
  ['a{1001}', 'invalid repeat count: `{1001}`'],
  ['a{3,2}', 'invalid repeat count: `{3,2}`'],
  ['(a{500}){3}', 'invalid repeat count: `{3}`'],
  ['((a{10}){10}){11}', 'invalid repeat count: `{11}`'],
  ['*a', 'missing argument to repetition operator: `*`'],
  ['a|*', 'missing argument to repetition operator: `*`'],
  ['(+)', 'missing argument to repetition operator: `+`'],
  ['{2}', 'missing argument to repetition operator: `{2}`'],
  ['(a', 'missing closing ): `(a`'],
  ['a)', 'unexpected ): `a)`'],
  ['[a', 'missing closing ]: `[a`'],
  ['[]', 'missing closing ]: `[]`'],
  ['a\\', 'trailing backslash at end of expression: ``'],
  ['[z-a]', 'invalid character class range: `z-a`'],
  ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
  ['\\p{Klingon}', 'invalid character class range: `\\p{Klingon}`'],
  ['\\p{L', 'invalid character class range: `\\p{L`'],
  ['(?P<a-b>x)', 'invalid named capture: `(?P<a-b>`'],
  ['(?P<>x)', 'invalid named capture: `(?P<>`'],
  ['(?P<name', 'invalid named capture: `(?P<name`'],
  ['\ud800', 'invalid UTF-8: `\ud800`'],
]

describe('translateRegex (RE2 -> JS)', () => {
  for (const [pattern, yes, no] of behaviour) {
    it(`${JSON.stringify(pattern)} matches exactly as RE2 does`, () => {
      const re = translateRegex(pattern)
      for (const s of yes)
        assert.ok(re.test(s), `${pattern} should match ${JSON.stringify(s)} (${re.source})`)
      for (const s of no)
        assert.ok(!re.test(s), `${pattern} should not match ${JSON.stringify(s)} (${re.source})`)
    })
  }

  for (const [pattern, message] of rejected) {
    it(`rejects ${JSON.stringify(pattern)}: ${message}`, () => {
      assert.throws(
        () => translateRegex(pattern),
        (err: unknown) => {
          assert.ok(err instanceof RegexSyntaxError)
          assert.equal(err.message, `error parsing regexp: ${message}`)
          assert.equal(err.code, 'SLUICE_ERR_REGEX_SYNTAX')
          assert.equal(err.status, 400)
          return true
        },
      )
    })
  }

  it('anchors the whole pattern, alternation included', () => {
    const re = translateRegex('a|b')
    assert.ok(!re.test('ab'))
    assert.ok(!re.test('xa'))
  })

  it('counts capture groups as Go does and records their names', () => {
    const { regexp, groupNames } = compileRe2('(a)(?:b)(?P<x>c)(?<y>d)(?P<1x>e)(?P<x>f)')
    assert.deepEqual(groupNames, ['', '', 'x', 'y', '1x', 'x'])
    const m = regexp.exec('abcdef')!
    assert.deepEqual([...m], ['abcdef', 'a', 'c', 'd', 'e', 'f'])
    // JS-legal names stay named in the RegExp; the repeated one and the digit-led one do not.
    assert.deepEqual({ ...m.groups }, { x: 'c', y: 'd' })
  })

  it('honours (?U) by swapping greedy and lazy quantifiers', () => {
    assert.deepEqual([...translateRegex('(?U)(a+)(a*)').exec('aaa')!], ['aaa', 'a', 'aa'])
    assert.deepEqual([...translateRegex('(?U)(a+?)(a*)').exec('aaa')!], ['aaa', 'aaa', ''])
  })

  it('starts with dot-matches-newline when dotAll is set, as relabel regexes are', () => {
    assert.ok(compileRe2('a.b', { dotAll: true }).regexp.test('a\nb'))
    assert.ok(!compileRe2('a.b').regexp.test('a\nb'))
  })

  it('restores flags at the end of the group that set them', () => {
    const re = translateRegex('((?i)a)a')
    assert.ok(re.test('Aa'))
    assert.ok(!re.test('AA'))
  })
})
