import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { encodeSeries, isStaleNaN } from '@sluice/wire'
import {
  offloadingParser,
  type ParsedScrape,
  type ParseScrapeInput,
  parseScrapeBody,
  parseScrapeTask,
  ScrapedSample,
  ScrapedSeries,
  ScrapeLabelLimitError,
  ScrapeManager,
  ScrapeParseError,
  ScrapeSampleLimitError,
} from '../src/index.ts'
import { CollectingAppender, find, labelsOf, parseInput, startTarget, testConfig } from './helpers.ts'

/** {@link parseInput} with the body as bytes, as a worker task receives it. */
function input(body: string, over: Partial<ParseScrapeInput> = {}): ParseScrapeInput {
  return parseInput(Buffer.from(body), over)
}

/** What a worker hop does to the task's answer: structured clone, as postMessage applies it. */
async function cloneHop(i: ParseScrapeInput): Promise<unknown> {
  return structuredClone(parseScrapeTask(i))
}

const BODY = 'a{x="1"} 1\na{x="2"} NaN\nb 2 123\n'

describe('offloadingParser', () => {
  test('a body over the threshold crosses the hop and comes back equal to an in-thread parse, with its classes', async () => {
    let hops = 0
    const parse = offloadingParser({
      run: (i) => {
        hops++
        return cloneHop(i)
      },
      thresholdBytes: 8,
    })
    const offloaded = (await parse(input(BODY))) as ParsedScrape
    const local = parseScrapeBody(input(BODY))
    assert.equal(hops, 1)
    assert.deepEqual(offloaded, local)
    for (const s of offloaded.series) {
      assert.ok(s instanceof ScrapedSeries)
      for (const sample of s.samples) assert.ok(sample instanceof ScrapedSample)
    }
    // An exposed NaN is an ordinary NaN on both sides of the hop, never a staleness marker.
    const nan = offloaded.series[1]!.samples[0]!.value
    assert.ok(Number.isNaN(nan))
    assert.equal(isStaleNaN(nan), false)
  })

  test('a body under the threshold is parsed in-thread', async () => {
    let hops = 0
    const parse = offloadingParser({
      run: (i) => {
        hops++
        return cloneHop(i)
      },
      thresholdBytes: 1024,
    })
    const r = await parse(input(BODY))
    assert.equal(hops, 0)
    assert.equal(r.series.length, 3)
  })

  test('a pool that refuses the task costs nothing: the body is parsed in-thread and the refusal reported', async () => {
    const refusals: unknown[] = []
    const parse = offloadingParser({
      run: async () => {
        throw new Error('Task queue is at limit')
      },
      thresholdBytes: 1,
      onFallback: (err) => refusals.push(err),
    })
    const r = await parse(input(BODY))
    assert.equal(r.series.length, 3)
    assert.equal(refusals.length, 1)
  })

  test('limit errors keep their class and samplesScraped across the hop; other failures become ScrapeParseError', async () => {
    const parse = offloadingParser({ run: cloneHop, thresholdBytes: 1 })
    await assert.rejects(parse(input(BODY, { sampleLimit: 1 })), (err: unknown) => {
      assert.ok(err instanceof ScrapeSampleLimitError)
      assert.equal(err.samplesScraped, 3)
      assert.match(err.message, /limit: 1/)
      return true
    })
    await assert.rejects(parse(input(BODY, { labelLimit: 2 })), ScrapeLabelLimitError)
    await assert.rejects(parse(input('a{x="1",x="2"} 1\n')), (err: unknown) => {
      assert.ok(err instanceof ScrapeParseError)
      assert.equal(err.code, 'SLUICE_ERR_SCRAPE_PARSE')
      assert.match(err.message, /duplicate label name/)
      return true
    })
  })

  test('behind a parser whose results are structured-cloned, a vanished series still gets a marker with the stale bits, in objects and encoded', async () => {
    let body = 'a 1\nb 2\n'
    const target = await startTarget((_req, res) => res.end(body))
    const appender = new CollectingAppender()
    const manager = new ScrapeManager({
      config: testConfig({}),
      appender,
      component: 'prometheus.scrape.test',
      parse: offloadingParser({ run: cloneHop, thresholdBytes: 1 }),
    })
    try {
      manager.setTargets([{ labels: labelsOf({ __address__: target.address }) }])
      await appender.waitFor(1)
      body = 'a 1\n'
      const batch = await appender.waitForBatch((b) =>
        find(b, 'b').some((s) => Number.isNaN(s.samples[0]!.value)),
      )
      const marker = find(batch, 'b')[0]!.samples[0]!
      assert.ok(isStaleNaN(marker.value))
      // The encoded form is what crosses to the push workers: the marker's bits must be in it, little-endian.
      const bytes = Buffer.from(encodeSeries(find(batch, 'b')))
      assert.ok(bytes.includes(Buffer.from('020000000000f07f', 'hex')))
    } finally {
      await manager.stop()
      await target.close()
    }
  })
})
