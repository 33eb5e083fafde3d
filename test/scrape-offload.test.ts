import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, test } from 'node:test'
import { MetricsPipeline } from '@sluice/pipeline'
import {
  DEFAULT_OFFLOAD_BYTES,
  defaultScrapeConfig,
  offloadingParser,
  type ParseScrapeInput,
  parseScrapeBody,
  type ScrapedSeries,
  ScrapeManager,
  ScrapeSampleLimitError,
} from '@sluice/scrape'
import { encodeSeries, isStaleNaN } from '@sluice/wire'

/** A body of about 1.5 MiB: `series` lines of one family with long label values. */
function bigBody(series: number, skip = -1): string {
  const pad = 'x'.repeat(100)
  let out = '# TYPE big_total counter\n'
  for (let i = 0; i < series; i++) if (i !== skip) out += `big_total{i="${i}",pad="${pad}"} ${i}\n`
  return out
}

const SERIES = 12_000

describe('scrape bodies over 1 MiB are parsed on the pipeline worker pool', () => {
  const pipeline = new MetricsPipeline({ threads: 1 })
  after(() => pipeline.close())

  test('the worker parses a large body to the same series as the main thread would', async () => {
    const body = Buffer.from(bigBody(SERIES))
    assert.ok(body.byteLength > DEFAULT_OFFLOAD_BYTES)
    const input: ParseScrapeInput = {
      body,
      contentType: 'text/plain; version=0.0.4',
      targetLabels: [
        { name: 'instance', value: 'h:1' },
        { name: 'job', value: 'big' },
      ],
      scrapeTimestampMs: 1_700_000_000_000,
      honorLabels: false,
      honorTimestamps: true,
      trackTimestampsStaleness: false,
      sampleLimit: 0,
      labelLimit: 0,
      labelNameLengthLimit: 0,
      labelValueLengthLimit: 0,
    }
    const local = parseScrapeBody({ ...input, body: Buffer.from(body) })
    let hops = 0
    const parse = offloadingParser({
      run: (i) => {
        hops++
        return pipeline.parseScrape(i)
      },
    })
    const remote = await parse(input)
    assert.equal(hops, 1)
    assert.deepEqual(remote, local)
    await assert.rejects(
      parse({ ...input, body: Buffer.from(bigBody(SERIES)), sampleLimit: 10 }),
      (err: unknown) => {
        assert.ok(err instanceof ScrapeSampleLimitError)
        assert.equal(err.samplesScraped, SERIES)
        return true
      },
    )
  })

  test('a series that vanishes from a large body gets a staleness marker whose bits reach the encoded batch', async () => {
    let body = bigBody(SERIES)
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4')
      res.end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const batches: ScrapedSeries[][] = []
    let offloaded = 0
    const config = { ...defaultScrapeConfig('big'), scrape_interval_ms: 500, scrape_timeout_ms: 500 }
    const manager = new ScrapeManager({
      config,
      component: 'prometheus.scrape.big',
      appender: {
        append: async (series) => {
          batches.push(series)
        },
      },
      parse: offloadingParser({
        run: (i) => {
          offloaded++
          return pipeline.parseScrape(i)
        },
      }),
    })
    try {
      const address = `127.0.0.1:${(server.address() as AddressInfo).port}`
      manager.setTargets([{ labels: [{ name: '__address__', value: address }] }])
      const deadline = Date.now() + 10_000
      while (batches.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      assert.ok(batches.length > 0, 'first scrape appended within 10 s')
      body = bigBody(SERIES, 7)
      let marked: ScrapedSeries | undefined
      while (marked === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50))
        for (const b of batches)
          marked ??= b.find(
            (s) =>
              s.labels.some((l) => l.name === 'i' && l.value === '7') && Number.isNaN(s.samples[0]!.value),
          )
      }
      assert.ok(marked, 'a marker for the vanished series within 10 s')
      assert.ok(isStaleNaN(marked.samples[0]!.value))
      const encoded = Buffer.from(encodeSeries([marked]))
      assert.ok(
        encoded.includes(Buffer.from('020000000000f07f', 'hex')),
        'stale bits in the remote-write bytes',
      )
      assert.ok(offloaded >= 2, 'both scrapes went through the pool')
    } finally {
      await manager.stop()
      server.closeAllConnections()
      server.close()
    }
  })
})
