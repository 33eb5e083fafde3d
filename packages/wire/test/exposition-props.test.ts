import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Label } from '@sluice/contracts'
import fc from 'fast-check'
import type { ExpositionFormat, FamilyMetadata } from '../src/exposition/index.ts'
import { ExpositionError, formatText, ParsedSample, parseExposition } from '../src/exposition/index.ts'

const byName = (a: Label, b: Label): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/**
 * Well-formed strings without U+FFFD (which the parser takes to stand for invalid UTF-8), rich in the
 * characters escaping has to get right.
 */
const text = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('\\', 'n', '"', '\n', ' ', '\t', '{', '}', ',', '='),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 12,
  })
  .filter((s) => !s.includes('\uFFFD'))
const labelName = fc
  .stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/)
  .filter((n) => n !== '__name__' && n !== 'le' && n !== 'quantile')
const labelSet = fc
  .uniqueArray(fc.record({ name: labelName, value: text }), { selector: (l) => l.name, maxLength: 4 })
  .map((set) => set.map(({ name, value }): Label => ({ name, value })))
const timestamp = fc.option(fc.integer({ min: -1e13, max: 1e13 }), { nil: undefined })
const bounds = fc.constantFrom('0.005', '0.1', '1', '2.5e+3', '+Inf')
const quantiles = fc.constantFrom('0', '0.5', '0.99', '1')

const family = fc.record({
  type: fc.constantFrom('counter', 'gauge', 'untyped', 'histogram', 'summary'),
  described: fc.boolean(),
  help: fc.option(text, { nil: undefined }),
  series: fc.array(fc.record({ labels: labelSet, value: fc.double(), ts: timestamp }), { maxLength: 4 }),
  extra: fc.oneof(bounds, quantiles),
})

type Family = typeof family extends fc.Arbitrary<infer T> ? T : never

function toSample(name: string, rest: Label[], value: number, ts: number | undefined): ParsedSample {
  return new ParsedSample(name, [{ name: '__name__', value: name }, ...rest].sort(byName), value, ts)
}

/** Builds the ParseResult a random list of families should parse back to. */
function buildResult(families: Family[]): { samples: ParsedSample[]; metadata: FamilyMetadata[] } {
  const samples: ParsedSample[] = []
  const metadata: FamilyMetadata[] = []
  families.forEach((f, i) => {
    // A unique prefix keeps one family's sample names from colliding with another's.
    const name = `f${i}_${f.type}`
    if (f.described) metadata.push({ name, type: f.type, help: f.help, unit: undefined })
    for (const s of f.series) {
      if (f.type === 'histogram') {
        samples.push(toSample(`${name}_bucket`, [...s.labels, { name: 'le', value: f.extra }], s.value, s.ts))
        samples.push(toSample(`${name}_sum`, s.labels, s.value, s.ts))
        samples.push(toSample(`${name}_count`, s.labels, s.value, s.ts))
      } else if (f.type === 'summary') {
        samples.push(toSample(name, [...s.labels, { name: 'quantile', value: f.extra }], s.value, s.ts))
        samples.push(toSample(`${name}_count`, s.labels, s.value, s.ts))
      } else {
        samples.push(toSample(name, s.labels, s.value, s.ts))
      }
    }
  })
  return { samples, metadata }
}

test('formatText then parseExposition gives back any families the text format can hold', () => {
  fc.assert(
    fc.property(fc.array(family, { maxLength: 6 }), (families) => {
      const expected = buildResult(families)
      const parsed = parseExposition(formatText(expected), 'text')
      assert.deepEqual(parsed, { format: 'text', ...expected })
    }),
    { numRuns: 300 },
  )
})

/** Bodies that must each fail with an ExpositionError, in the given format. */
const BROKEN: [ExpositionFormat, string][] = [
  ['text', 'foo{a="b\\'],
  ['text', 'foo{a="b\\"} 1\n'],
  ['text', 'foo{a="b"'],
  ['text', 'foo{a="b",'],
  ['text', 'foo{a="b" b="c"} 1\n'],
  ['text', 'foo{a=b} 1\n'],
  ['text', 'foo{'],
  ['text', 'foo{}'],
  ['text', 'foo{a="1",a="1"} 1\n'],
  ['text', 'foo{a="\uFFFD\uFFFD"} 1\n'],
  ['text', 'foo{a="\uDC00x"} 1\n'],
  ['text', 'fo\uFFFDo 1\n'],
  ['text', 'foo 1e\n'],
  ['text', 'foo --1\n'],
  ['text', 'foo 1.2.3\n'],
  ['text', 'foo +NaN\n'],
  ['text', 'foo 1_000\n'],
  ['text', 'foo Infinit\n'],
  ['text', 'foo 1 12a\n'],
  ['text', '{a="b"} 1\n'],
  ['text', '"foo" 1\n'],
  ['text', '# TYPE foo bar\n'],
  ['openmetrics', 'foo 1\n'],
  ['openmetrics', 'foo 1\n# EOF\nfoo 2\n'],
  ['openmetrics', '# EOF\n# EOF\n'],
  ['openmetrics', 'foo{a="b"} 1\n'],
  ['openmetrics', 'foo{a="b\\"} 1\n# EOF\n'],
  ['openmetrics', 'foo{a="\uFFFD"} 1\n# EOF\n'],
  ['openmetrics', 'foo 1 # {a="b"} x\n# EOF\n'],
  ['openmetrics', 'foo 1 1 # {a="b"} 1 1 1\n# EOF\n'],
  ['openmetrics', 'foo 1 1 1\n# EOF\n'],
  ['openmetrics', 'foo 1\n \n# EOF\n'],
  ['openmetrics', '# HELP foo\n# EOF\n'],
  ['openmetrics', '# UNIT foo_x x-y\n# EOF\n'],
  ['openmetrics', '# TYPE foo info\nfoo 1\n# EOF\n'],
]

test('every input of the broken corpus fails with an ExpositionError', () => {
  for (const [format, body] of BROKEN) {
    assert.throws(
      () => parseExposition(body, format),
      (err: unknown) => err instanceof ExpositionError && /^line \d+: /.test(err.message),
      `${format}: ${JSON.stringify(body)}`,
    )
  }
})

const VALID_TEXT = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
# TYPE rpc_seconds histogram
rpc_seconds_bucket{le="0.05",path="a\\"b"} 24054
rpc_seconds_bucket{le="+Inf",path="a\\"b"} 144320
rpc_seconds_sum{path="a\\"b"} 53423
`
const VALID_OPENMETRICS = `# TYPE foo histogram
# UNIT foo_seconds seconds
foo_bucket{le="0.1"} 8 # {trace_id="x"} 0.054 1520879607.789
foo_bucket{le="+Inf"} 17
foo_count 17
foo_sum 324789.3
# EOF
`

/** Applies a random edit (insert, delete or replace a slice) to a valid body. */
const mutated = (body: string) =>
  fc
    .record({
      at: fc.nat({ max: body.length }),
      cut: fc.nat({ max: 8 }),
      insert: fc.oneof(
        fc.string({ maxLength: 4 }),
        fc.constantFrom('\\', '"', '{', '}', ',', '=', '\n', ' ', '#', '\uFFFD', '\uD800', '\r'),
      ),
    })
    .map(({ at, cut, insert }) => body.slice(0, at) + insert + body.slice(at + cut))

function parsesOrFailsTyped(body: string, format: ExpositionFormat): void {
  try {
    parseExposition(body, format)
  } catch (err) {
    if (!(err instanceof ExpositionError)) throw err
    assert.match(err.message, /^line \d+: /)
    assert.ok(err.line >= 1 && err.line <= body.split('\n').length + 1)
  }
}

test('random edits of valid bodies either parse or fail with an ExpositionError, never a crash', () => {
  fc.assert(
    fc.property(mutated(VALID_TEXT), (body) => parsesOrFailsTyped(body, 'text')),
    { numRuns: 500 },
  )
  fc.assert(
    fc.property(mutated(VALID_OPENMETRICS), (body) => parsesOrFailsTyped(body, 'openmetrics')),
    { numRuns: 500 },
  )
})

test('arbitrary strings either parse or fail with an ExpositionError in both formats', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (body) => {
      parsesOrFailsTyped(body, 'text')
      parsesOrFailsTyped(body, 'openmetrics')
    }),
    { numRuns: 200 },
  )
})

test('an error in a generated body reports the line it is on', () => {
  fc.assert(
    fc.property(fc.nat({ max: 200 }), fc.nat({ max: 20 }), (before, after) => {
      const body = `${'ok{a="1"} 1\n'.repeat(before)}bad{a="1" 1\n${'ok 2\n'.repeat(after)}`
      assert.throws(
        () => parseExposition(body, 'text'),
        (err: unknown) => err instanceof ExpositionError && err.line === before + 1,
      )
    }),
    { numRuns: 50 },
  )
})

test('a body of 20k lines parses in well under a second (linear time, no pathological backtracking)', () => {
  const pathological = `x{a="\\\\",b="${'\\'.repeat(50_000)}"} 1\n`
  const lines = `${'m{a="1",b="2"} 1 1000\n'.repeat(20_000)}${pathological}`
  const start = performance.now()
  assert.equal(parseExposition(lines, 'text').samples.length, 20_001)
  assert.ok(performance.now() - start < 1000)
})
