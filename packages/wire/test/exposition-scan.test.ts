import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Label } from '@sluice/contracts'
import fc from 'fast-check'
import {
  type ExposedSeries,
  type ExpositionFormat,
  type ExpositionLimits,
  ParsedSample,
  parseExposition,
  type SampleLineHandler,
  scanExposition,
} from '../src/exposition/index.ts'

class Entry implements ExposedSeries {
  readonly name: string
  readonly exposedLabels: Label[]
  readonly text: string

  constructor(name: string, labels: Label[], text: string) {
    this.name = name
    this.exposedLabels = labels
    this.text = text
  }
}

/** A handler that remembers series texts across scans, as a scraper's per-target cache does. */
class CachingHandler implements SampleLineHandler<Entry> {
  readonly known = new Map<string, Entry>()
  samples: ParsedSample[] = []
  lookups = 0
  hits = 0
  created: string[] = []

  lookup(src: string, start: number, end: number): Entry | undefined {
    this.lookups++
    const e = this.known.get(src.slice(start, end))
    if (e !== undefined) this.hits++
    return e
  }

  create(src: string, start: number, end: number, name: string, labels: Label[]): Entry {
    const text = src.slice(start, end)
    const e = new Entry(name, labels, text)
    this.known.set(text, e)
    this.created.push(text)
    return e
  }

  sample(entry: Entry, value: number, timestampMs: number | undefined): void {
    this.samples.push(new ParsedSample(entry.name, entry.exposedLabels, value, timestampMs))
  }

  scan(body: string, format: ExpositionFormat, limits?: ExpositionLimits): ParsedSample[] {
    this.samples = []
    this.created = []
    scanExposition(body, format, this, limits)
    return this.samples
  }
}

/** What a scan must do: exactly what parseExposition does, error message included. */
function outcome(run: () => unknown): unknown {
  try {
    return { ok: run() }
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message }
  }
}

const TEXT_SERIES = [
  'up',
  'up{job="a"}',
  'up {job="a"}',
  'up{job="a",}',
  'http_requests_total{code="200",path="/x"}',
  'http_requests_total{path="/x",code="200"}',
  'odd{v="a}b",w="c\\"}"}',
  'esc{v="line\\nbreak\\\\"}',
  'empty{v=""}',
  'lat_bucket{le="0.5"}',
  'lat_bucket{le="+Inf"}',
  'lat_sum',
  'lat_count',
]

describe('scanExposition', () => {
  test('reads each new series text once and gives every sample, in order, with what parseExposition gives', () => {
    const body =
      '# TYPE lat histogram\nlat_bucket{le="0.5"} 1\nlat_bucket{le="+Inf"} 2\nlat_sum 3\nlat_count 2\n' +
      'up{job="a"} 1 1000\nodd{v="a}b",w="c\\"}"} 2\nup{job="a"} 3\n'
    const h = new CachingHandler()
    assert.deepEqual(h.scan(body, 'text'), parseExposition(body, 'text').samples)
    assert.equal(h.created.length, 6)
    assert.ok(h.created.includes('odd{v="a}b",w="c\\"}"}'))
    assert.deepEqual(h.scan(body, 'text'), parseExposition(body, 'text').samples)
    assert.deepEqual(h.created, [], 'a second scan of the same series reads no label set')
    assert.equal(h.hits, 1 + 7, 'the repeated up{job="a"} is a hit in the first scan already')
  })

  test('returns the sample count and the metadata', () => {
    const body = '# HELP a Help.\n# TYPE a gauge\na 1\na{x="1"} 2\n'
    const r = scanExposition(body, 'text', new CachingHandler())
    assert.equal(r.samples, 2)
    assert.deepEqual(r.metadata, parseExposition(body, 'text').metadata)
  })

  test('a known text still meets the family rules of the body it is in', () => {
    const h = new CachingHandler()
    h.scan('foo_bucket{x="1"} 1\n', 'text')
    const body = '# TYPE foo histogram\nfoo_bucket{x="1"} 1\n'
    assert.deepEqual(
      outcome(() => h.scan(body, 'text')),
      outcome(() => parseExposition(body, 'text')),
    )
    assert.match(String((outcome(() => h.scan(body, 'text')) as { message: string }).message), /needs a "le"/)
  })

  test('OpenMetrics bodies scan like they parse, timestamps and exemplars included', () => {
    const body =
      '# TYPE c counter\nc_total{a="1"} 1 1.5 # {t="x"} 1\nc_total{a="2"} 2\n# TYPE g gauge\ng 3 2\n# EOF\n'
    const h = new CachingHandler()
    for (let i = 0; i < 2; i++)
      assert.deepEqual(h.scan(body, 'openmetrics'), parseExposition(body, 'openmetrics').samples)
  })

  test('per-sample label limits turn lookups off, so they are checked on every line', () => {
    const h = new CachingHandler()
    h.scan('a{x="long value"} 1\n', 'text')
    const limits = { maxLabelValueLength: 5 }
    assert.deepEqual(
      outcome(() => h.scan('a{x="long value"} 1\n', 'text', limits)),
      outcome(() => parseExposition('a{x="long value"} 1\n', 'text', limits)),
    )
    assert.equal(h.lookups, 1)
  })

  test('maxSamples counts known lines too', () => {
    const h = new CachingHandler()
    h.scan('a 1\na 2\n', 'text')
    assert.deepEqual(
      outcome(() => h.scan('a 1\na 2\n', 'text', { maxSamples: 1 })),
      outcome(() => parseExposition('a 1\na 2\n', 'text', { maxSamples: 1 })),
    )
  })

  test('with a warm handler, any edit of a body scans exactly as it parses (samples or error)', () => {
    const line = fc.record({
      series: fc.constantFrom(...TEXT_SERIES),
      value: fc.constantFrom('1', '2.5', 'NaN', '+Inf', '-3e2'),
      ts: fc.option(fc.constantFrom('1000', '-5'), { nil: undefined }),
    })
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat(3),
      insert: fc.constantFrom('', '"', '}', '{', ' ', '\n', '\\', ',', 'x', '=', '\uFFFD', '# '),
    })
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 12 }),
        fc.array(edit, { maxLength: 3 }),
        (lines, edits) => {
          let body = ''
          for (const l of lines) body += `${l.series} ${l.value}${l.ts === undefined ? '' : ` ${l.ts}`}\n`
          const h = new CachingHandler()
          // Warm the handler on every series text (one per line, so none repeats a name's family rules).
          for (const s of TEXT_SERIES) h.scan(`${s} 1\n`, 'text')
          let edited = body
          for (const e of edits) {
            const at = e.at % (edited.length + 1)
            edited = edited.slice(0, at) + e.insert + edited.slice(at + e.remove)
          }
          for (const b of [body, edited]) {
            assert.deepEqual(
              outcome(() => h.scan(b, 'text')),
              outcome(() => parseExposition(b, 'text').samples),
            )
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
