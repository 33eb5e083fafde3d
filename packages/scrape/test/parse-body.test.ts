import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sortLabels } from '@sluice/contracts'
import { parseScrapeBody, ScrapeLabelLimitError, ScrapeSampleLimitError } from '../src/index.ts'
import { asRecord, parseInput as input } from './helpers.ts'

describe('parseScrapeBody', () => {
  test('attaches target labels, sorted, to every series', () => {
    const r = parseScrapeBody(input('a{x="1"} 1\nb 2\n'))
    assert.deepEqual(
      r.series.map((s) => asRecord(s.labels)),
      [
        { __name__: 'a', instance: 'h:1', job: 'node', x: '1' },
        { __name__: 'b', instance: 'h:1', job: 'node' },
      ],
    )
    for (const s of r.series)
      assert.deepEqual(
        s.labels,
        [...s.labels].sort((p, q) => (p.name < q.name ? -1 : 1)),
      )
    assert.equal(r.samplesScraped, 2)
    assert.equal(r.samplesAppended, 2)
  })

  test('without honor_labels, exposed labels that clash become exported_<name>, repeatedly if needed', () => {
    const r = parseScrapeBody(input('a{job="app",exported_job="old",instance="i"} 1\n'))
    assert.deepEqual(asRecord(r.series[0]!.labels), {
      __name__: 'a',
      exported_exported_job: 'app',
      exported_instance: 'i',
      exported_job: 'old',
      instance: 'h:1',
      job: 'node',
    })
  })

  test('orders merged labels by code point, also names above U+FFFF, when a clash renames one', () => {
    // UTF-16 order would put U+1F600 (a surrogate pair, 0xD83D...) before U+FF5F; Prometheus does not.
    const targetLabels = sortLabels([
      { name: 'job', value: 'node' },
      { name: '\u{1F600}', value: 'smile' },
      { name: '\u{FF5F}', value: 'paren' },
    ])
    const r = parseScrapeBody(input('a{job="app"} 1\n', { targetLabels }))
    assert.deepEqual(
      r.series[0]!.labels.map((l) => l.name),
      ['__name__', 'exported_job', 'job', '\u{FF5F}', '\u{1F600}'],
    )
  })

  test('with honor_labels, exposed labels win and target labels fill the gaps', () => {
    const r = parseScrapeBody(input('a{job="app"} 1\n', { honorLabels: true }))
    assert.deepEqual(asRecord(r.series[0]!.labels), { __name__: 'a', instance: 'h:1', job: 'app' })
  })

  test('drops labels with empty values, so an empty exposed label does not clash', () => {
    const r = parseScrapeBody(input('a{job="",x=""} 1\n'))
    assert.deepEqual(asRecord(r.series[0]!.labels), { __name__: 'a', instance: 'h:1', job: 'node' })
  })

  test('uses exposed timestamps only with honor_timestamps, and exempts them from staleness unless tracked', () => {
    const body = 'a 1 5000\nb 2\n'
    const honored = parseScrapeBody(input(body))
    assert.deepEqual(
      honored.series.map((s) => s.samples[0]!.timestampMs),
      [5000, 1_000_000],
    )
    assert.equal(honored.keys[0], null)
    assert.notEqual(honored.keys[1], null)
    const tracked = parseScrapeBody(input(body, { trackTimestampsStaleness: true }))
    assert.notEqual(tracked.keys[0], null)
    const ignored = parseScrapeBody(input(body, { honorTimestamps: false }))
    assert.deepEqual(
      ignored.series.map((s) => s.samples[0]!.timestampMs),
      [1_000_000, 1_000_000],
    )
    assert.notEqual(ignored.keys[0], null)
  })

  test('parses OpenMetrics when the content type says so', () => {
    const body = '# TYPE c counter\nc_total 3 1.5\n# EOF\n'
    const r = parseScrapeBody(input(body, { contentType: 'application/openmetrics-text; version=1.0.0' }))
    assert.equal(r.series[0]!.samples[0]!.value, 3)
    assert.equal(r.series[0]!.samples[0]!.timestampMs, 1500)
    assert.throws(() => parseScrapeBody(input(body)))
  })

  test('keeps one sample when a series is exposed twice at the same timestamp', () => {
    const r = parseScrapeBody(input('a 1\na 2\n'))
    assert.equal(r.series.length, 1)
    assert.equal(r.series[0]!.samples[0]!.value, 1)
    assert.equal(r.samplesAppended, 1)
  })

  test('fails on more samples than sample_limit, reporting how many were exposed', () => {
    assert.equal(parseScrapeBody(input('a 1\nb 2\n', { sampleLimit: 2 })).series.length, 2)
    assert.throws(
      () => parseScrapeBody(input('a 1\nb 2\nc 3\n', { sampleLimit: 2 })),
      (err: unknown) => err instanceof ScrapeSampleLimitError && err.samplesScraped === 3,
    )
  })

  test('fails on label count and length limits, counting target labels and bytes', () => {
    assert.throws(() => parseScrapeBody(input('a{x="1"} 1\n', { labelLimit: 3 })), ScrapeLabelLimitError)
    assert.equal(parseScrapeBody(input('a{x="1"} 1\n', { labelLimit: 4 })).series.length, 1)
    assert.throws(
      () => parseScrapeBody(input('a{long_name="1"} 1\n', { labelNameLengthLimit: 8 })),
      ScrapeLabelLimitError,
    )
    // "ééé" is 3 UTF-16 units but 6 UTF-8 bytes.
    assert.throws(
      () => parseScrapeBody(input('a{x="ééé"} 1\n', { labelValueLengthLimit: 5 })),
      ScrapeLabelLimitError,
    )
    assert.equal(parseScrapeBody(input('a{x="ééé"} 1\n', { labelValueLengthLimit: 6 })).series.length, 1)
  })

  test('accepts the body as bytes', () => {
    const r = parseScrapeBody(input('', { body: new TextEncoder().encode('a{x="ü"} 1\n') }))
    assert.equal(asRecord(r.series[0]!.labels).x, 'ü')
  })
})
