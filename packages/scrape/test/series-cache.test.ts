import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { encodeSeries, STALE_NAN } from '@sluice/wire'
import fc from 'fast-check'
import {
  encodeLabelFields,
  encodeScrapedSeries,
  type ParsedScrape,
  parseScrapeBody,
  ScrapedSample,
  ScrapedSeries,
  SeriesCache,
} from '../src/index.ts'
import { asRecord, parseInput as input, labelsOf, TARGET } from './helpers.ts'

/** A scrape's result or error, without the cache's encoded bytes, for comparing two parses. */
function outcome(run: () => ParsedScrape): unknown {
  try {
    const r = run()
    return {
      series: r.series.map((s) => ({ labels: s.labels, samples: s.samples.map((x) => ({ ...x })) })),
      keys: r.keys,
      samplesScraped: r.samplesScraped,
      samplesAppended: r.samplesAppended,
    }
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message }
  }
}

describe('SeriesCache', () => {
  test('a steady target reads each series text once; later scrapes reuse labels, key and label bytes', () => {
    const cache = new SeriesCache()
    const body = 'a{x="1"} 1\nb 2\na{x="1"} 3 5\n'
    const first = parseScrapeBody(input(body, { cache }))
    assert.equal(cache.size, 2)
    const second = parseScrapeBody(input(body.replace('b 2', 'b 7'), { cache, scrapeTimestampMs: 2_000_000 }))
    assert.equal(second.series[1]!.samples[0]!.value, 7)
    assert.equal(second.series[0]!.samples[1]!.timestampMs, 5)
    assert.equal(second.series[0]!.labels, first.series[0]!.labels, 'the label array itself is reused')
    assert.deepEqual(second.keys, first.keys)
    assert.deepEqual(second.series[0]!.encodedLabels, encodeLabelFields(second.series[0]!.labels))
    assert.deepEqual(asRecord(second.series[0]!.labels), {
      __name__: 'a',
      instance: 'h:1',
      job: 'node',
      x: '1',
    })
  })

  test('a series gone from a successful scrape leaves the cache; a failed scrape drops nothing', () => {
    const cache = new SeriesCache()
    parseScrapeBody(input('a 1\nb 2\nc 3\n', { cache }))
    assert.equal(cache.size, 3)
    assert.throws(() => parseScrapeBody(input('a 1\nbroken{\n', { cache })))
    assert.equal(cache.size, 3)
    assert.throws(() => parseScrapeBody(input('a 1\nb 2\n', { cache, sampleLimit: 1 })))
    assert.equal(cache.size, 3)
    parseScrapeBody(input('a 1\n', { cache }))
    assert.equal(cache.size, 1)
  })

  test('failed scrapes that keep bringing new series flush the cache once it doubles plus 1000', () => {
    const cache = new SeriesCache()
    parseScrapeBody(input('a 1\n', { cache }))
    let round = 0
    const churn = (): void => {
      let body = ''
      for (let i = 0; i < 400; i++) body += `s{i="${round}_${i}"} 1\n`
      round++
      assert.throws(() => parseScrapeBody(input(`${body}broken{\n`, { cache })))
    }
    churn()
    churn()
    assert.equal(cache.size, 801)
    churn()
    // 1201 > 2 * 1 + 1000: everything not in that last scrape is gone.
    assert.equal(cache.size, 400)
  })

  test('a change of target labels, honor_labels, limits or format empties it', () => {
    const cache = new SeriesCache()
    parseScrapeBody(input('a{job="app"} 1\n', { cache }))
    const honoring = parseScrapeBody(input('a{job="app"} 1\n', { cache, honorLabels: true }))
    assert.equal(asRecord(honoring.series[0]!.labels).job, 'app')
    const moved = parseScrapeBody(
      input('a{job="app"} 1\n', { cache, targetLabels: labelsOf({ job: 'other' }) }),
    )
    assert.deepEqual(asRecord(moved.series[0]!.labels), { __name__: 'a', exported_job: 'app', job: 'other' })
    assert.throws(() => parseScrapeBody(input('a{job="app"} 1\n', { cache, labelLimit: 2 })))
    const om = input('a{job="app"} 1\n# EOF\n', {
      cache,
      contentType: 'application/openmetrics-text; version=1.0.0',
    })
    assert.equal(parseScrapeBody(om).series.length, 1)
  })

  test('over any sequence of scrapes, parsing through one cache gives what parsing afresh gives', () => {
    const series = fc.constantFrom(
      'a',
      'a{}',
      'a{x="1"}',
      'a{x="1",}',
      'a {x="1"}',
      'a{x="1",y=""}',
      'a{job="app"}',
      'a{instance="i",exported_job="e",job="j"}',
      'b{x="ééé"}',
      'b{x="}",y="\\""}',
      'c{long_label_name="v"}',
    )
    const line = fc.record({
      series,
      value: fc.constantFrom('1', '2', 'NaN'),
      ts: fc.option(fc.constantFrom('5000', '6000'), { nil: undefined }),
    })
    const scrape = fc.record({
      lines: fc.array(line, { maxLength: 8 }),
      broken: fc.boolean(),
      honorLabels: fc.boolean(),
      honorTimestamps: fc.boolean(),
      trackTimestampsStaleness: fc.boolean(),
      sampleLimit: fc.constantFrom(0, 0, 3),
      labelLimit: fc.constantFrom(0, 0, 4),
      labelNameLengthLimit: fc.constantFrom(0, 0, 10),
      labelValueLengthLimit: fc.constantFrom(0, 0, 5),
      target: fc.constantFrom(TARGET, labelsOf({ job: 'other' })),
    })
    fc.assert(
      fc.property(fc.array(scrape, { minLength: 1, maxLength: 6 }), (scrapes) => {
        const cache = new SeriesCache()
        scrapes.forEach((s, i) => {
          let body = ''
          for (const l of s.lines) body += `${l.series} ${l.value}${l.ts === undefined ? '' : ` ${l.ts}`}\n`
          if (s.broken) body += 'a{x="1" 1\n'
          const { lines: _l, broken: _b, target, ...settings } = s
          const over = { ...settings, targetLabels: target, scrapeTimestampMs: 1_000_000 + i }
          assert.deepEqual(
            outcome(() => parseScrapeBody(input(body, { ...over, cache }))),
            outcome(() => parseScrapeBody(input(body, over))),
          )
        })
      }),
      { numRuns: 300 },
    )
  })
})

describe('encodeScrapedSeries', () => {
  const labelSet = fc
    .dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), fc.string({ unit: 'binary', maxLength: 12 }), {
      maxKeys: 5,
    })
    .map(labelsOf)
  const sample = fc.record({
    value: fc.oneof(fc.double(), fc.constant(STALE_NAN)),
    timestampMs: fc.integer({ min: -(2 ** 40), max: 2 ** 45 }),
  })

  test('writes the bytes of wire encodeSeries, with and without pre-encoded labels, stale markers included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(labelSet, fc.array(sample, { maxLength: 3 }), fc.boolean()), { maxLength: 6 }),
        (records) => {
          const series = records.map(
            ([labels, samples, pre]) =>
              new ScrapedSeries(
                labels,
                samples.map((s) => new ScrapedSample(s.value, s.timestampMs)),
                pre ? encodeLabelFields(labels) : null,
              ),
          )
          assert.deepEqual(encodeScrapedSeries(series), encodeSeries(series))
        },
      ),
    )
  })
})
