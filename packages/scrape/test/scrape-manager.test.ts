import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { Registry } from '@sluice/telemetry'
import { isStaleNaN, SCRAPE_ACCEPT_HEADER } from '@sluice/wire'
import {
  HANDOVER_SLACK_MS,
  type HandoverResult,
  type ParseScrapeInput,
  parseScrapeBody,
  type ScrapeConfig,
  type ScrapedSeries,
  ScrapeManager,
  type Target,
  targetKey,
} from '../src/index.ts'
import {
  asRecord,
  CollectingAppender,
  find,
  labelsOf,
  sampleValue,
  sleep,
  startTarget,
  type TestTarget,
  testConfig,
  text,
} from './helpers.ts'

const managers: ScrapeManager[] = []
const targets: TestTarget[] = []
after(async () => {
  await Promise.all(managers.map((m) => m.stop()))
  await Promise.all(targets.map((t) => t.close()))
})

async function setup(
  handler: Parameters<typeof startTarget>[0],
  config: Partial<ScrapeConfig> = {},
  extra: Partial<ConstructorParameters<typeof ScrapeManager>[0]> = {},
) {
  const target = await startTarget(handler)
  targets.push(target)
  const appender = new CollectingAppender()
  const manager = new ScrapeManager({
    config: testConfig(config),
    appender,
    component: 'prometheus.scrape.test',
    ...extra,
  })
  managers.push(manager)
  const discovered: Target = { labels: labelsOf({ __address__: target.address, __meta_source: 'test' }) }
  return { target, appender, manager, discovered }
}

function staleNames(batch: ScrapedSeries[]): string[] {
  return batch
    .filter((s) => isStaleNaN(s.samples[0]!.value))
    .map((s) => asRecord(s.labels).__name__!)
    .sort()
}

describe('ScrapeManager', () => {
  test('scrapes a target, attaches its labels and writes the synthetic series', async () => {
    const { target, appender, manager, discovered } = await setup(text('a{x="1"} 1\nb 2\n'))
    manager.setTargets([discovered])
    const [batch] = await appender.waitFor(1)
    const want = { instance: target.address, job: 'test' }
    assert.deepEqual(asRecord(find(batch!, 'a')[0]!.labels), { __name__: 'a', x: '1', ...want })
    assert.equal(sampleValue(batch!, 'up', want), 1)
    assert.ok(sampleValue(batch!, 'scrape_duration_seconds') >= 0)
    assert.equal(sampleValue(batch!, 'scrape_samples_scraped'), 2)
    assert.equal(sampleValue(batch!, 'scrape_samples_post_metric_relabeling'), 2)
    assert.equal(sampleValue(batch!, 'scrape_series_added'), 2)
    const ts = find(batch!, 'a')[0]!.samples[0]!.timestampMs
    for (const s of batch!) assert.equal(s.samples[0]!.timestampMs, ts)
    assert.ok(Math.abs(ts - Date.now()) < 1000)

    const req = target.requests[0]!
    assert.equal(req.url, '/metrics')
    assert.equal(req.headers.accept, SCRAPE_ACCEPT_HEADER)
    assert.equal(req.headers['accept-encoding'], 'gzip')
    assert.equal(req.headers['x-prometheus-scrape-timeout-seconds'], '0.1')
    assert.match(req.headers['user-agent']!, /^Sluice\/\d+\.\d+\.\d+$/)

    const [status] = manager.targetsStatus()
    assert.equal(status!.health, 'up')
    assert.deepEqual(asRecord(status!.labels), want)
    assert.equal(asRecord(status!.discoveredLabels).__meta_source, 'test')
    assert.ok(status!.lastScrape !== undefined && status!.lastScrapeDurationMs !== undefined)

    // The second scrape sees the same series: nothing new, nothing stale.
    const batches = await appender.waitFor(2)
    assert.equal(sampleValue(batches[1]!, 'scrape_series_added'), 0)
    assert.deepEqual(staleNames(batches[1]!), [])
    // One interval later; exactly 100 when the timer fired within the 2 ms alignment tolerance.
    const gap = batches[1]![0]!.samples[0]!.timestampMs - ts
    assert.ok(gap >= 95 && gap < 200, `gap ${gap}`)
  })

  test('sends configured auth, headers and params', async () => {
    const { target, appender, manager, discovered } = await setup(text('a 1\n'), {
      basic_auth: { username: 'u', password: 'p' },
      headers: { 'X-Tenant': 't1' },
      params: { module: ['m'] },
    })
    manager.setTargets([discovered])
    await appender.waitFor(1)
    const req = target.requests[0]!
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`)
    assert.equal(req.headers['x-tenant'], 't1')
    assert.equal(req.url, '/metrics?module=m')
  })

  test('honor_labels keeps the exposed job; without it the exposed job becomes exported_job', async () => {
    const body = text('a{job="app"} 1\n')
    const off = await setup(body)
    off.manager.setTargets([off.discovered])
    const on = await setup(body, { honor_labels: true })
    on.manager.setTargets([on.discovered])
    const [offBatch] = await off.appender.waitFor(1)
    const [onBatch] = await on.appender.waitFor(1)
    assert.equal(asRecord(find(offBatch!, 'a')[0]!.labels).job, 'test')
    assert.equal(asRecord(find(offBatch!, 'a')[0]!.labels).exported_job, 'app')
    assert.equal(asRecord(find(onBatch!, 'a')[0]!.labels).job, 'app')
    // The synthetic series always carry the target's own job.
    assert.equal(asRecord(find(onBatch!, 'up')[0]!.labels).job, 'test')
  })

  test('keeps exposed timestamps with honor_timestamps and replaces them without', async () => {
    const body = text('a 1 1700000000123\n')
    const honored = await setup(body)
    honored.manager.setTargets([honored.discovered])
    const ignored = await setup(body, { honor_timestamps: false })
    ignored.manager.setTargets([ignored.discovered])
    const [h] = await honored.appender.waitFor(1)
    const [i] = await ignored.appender.waitFor(1)
    assert.equal(find(h!, 'a')[0]!.samples[0]!.timestampMs, 1700000000123)
    assert.equal(find(i!, 'a')[0]!.samples[0]!.timestampMs, find(i!, 'up')[0]!.samples[0]!.timestampMs)
  })

  test('reads gzip-encoded bodies and OpenMetrics bodies', async () => {
    const gz = await setup((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4')
      res.setHeader('content-encoding', 'gzip')
      res.end(gzipSync('zipped 42\n'))
    })
    gz.manager.setTargets([gz.discovered])
    const om = await setup((_req, res) => {
      res.setHeader('content-type', 'application/openmetrics-text; version=1.0.0; charset=utf-8')
      res.end('# TYPE req counter\nreq_total 7\n# EOF\n')
    })
    om.manager.setTargets([om.discovered])
    const [g] = await gz.appender.waitFor(1)
    const [o] = await om.appender.waitFor(1)
    assert.equal(sampleValue(g!, 'zipped'), 42)
    assert.equal(sampleValue(o!, 'req_total'), 7)
    assert.equal(sampleValue(o!, 'up'), 1)
  })

  test('a body over body_size_limit fails the scrape, compressed or not', async () => {
    const big = `${'x'.repeat(2000)} 1\n`
    const plain = await setup(text(big), { body_size_limit: 1000 })
    plain.manager.setTargets([plain.discovered])
    const zipped = await setup(
      (_req, res) => {
        res.setHeader('content-encoding', 'gzip')
        res.end(gzipSync(big))
      },
      { body_size_limit: 1000 },
    )
    zipped.manager.setTargets([zipped.discovered])
    for (const { appender, manager } of [plain, zipped]) {
      const [batch] = await appender.waitFor(1)
      assert.equal(sampleValue(batch!, 'up'), 0)
      assert.equal(batch!.length, 5, 'only the synthetic series')
      assert.match(manager.targetsStatus()[0]!.lastError!, /body size limit/)
      assert.equal(manager.targetsStatus()[0]!.health, 'down')
    }
  })

  test('exceeding sample_limit fails the scrape and marks the previous series stale', async () => {
    let body = 'a 1\n'
    const { appender, manager, discovered } = await setup((_req, res) => res.end(body), { sample_limit: 2 })
    manager.setTargets([discovered])
    const [first] = await appender.waitFor(1)
    assert.equal(sampleValue(first!, 'up'), 1)
    body = 'a 1\nb 2\nc 3\n'
    const failed = await appender.waitForBatch((b) => sampleValue(b, 'up') === 0)
    assert.equal(sampleValue(failed, 'up'), 0)
    assert.equal(sampleValue(failed, 'scrape_samples_scraped'), 3)
    assert.deepEqual(find(failed, 'b'), [])
    assert.deepEqual(staleNames(failed), ['a'])
    assert.match(manager.targetsStatus()[0]!.lastError!, /sample_limit/)
  })

  test('a non-200 answer reports the target down', async () => {
    const { appender, manager, discovered } = await setup((_req, res) => {
      res.statusCode = 503
      res.end('busy')
    })
    manager.setTargets([discovered])
    const [batch] = await appender.waitFor(1)
    assert.equal(sampleValue(batch!, 'up'), 0)
    assert.match(manager.targetsStatus()[0]!.lastError!, /503/)
  })

  test('a series that vanishes gets a staleness marker at the next scrape timestamp', async () => {
    let body = 'a 1\nb 2\n'
    const { appender, manager, discovered } = await setup((_req, res) => res.end(body))
    manager.setTargets([discovered])
    await appender.waitFor(1)
    body = 'a 1\n'
    const batch = await appender.waitForBatch((b) =>
      find(b, 'b').some((s) => isStaleNaN(s.samples[0]!.value)),
    )
    const stale = find(batch, 'b')
    assert.equal(stale.length, 1)
    const marker = stale[0]!.samples[0]!
    assert.ok(isStaleNaN(marker.value))
    assert.equal(marker.timestampMs, find(batch, 'a')[0]!.samples[0]!.timestampMs)
    assert.deepEqual(staleNames(batch), ['b'])
  })

  test('a removed target gets staleness markers for all its series, synthetic ones included', async () => {
    const { target, appender, manager, discovered } = await setup(text('a 1\nb 2\n'))
    manager.setTargets([discovered])
    const [first] = await appender.waitFor(1)
    const lastTs = first![0]!.samples[0]!.timestampMs
    manager.setTargets([])
    const markers = await appender.waitForBatch((b) =>
      find(b, 'up').some((s) => isStaleNaN(s.samples[0]!.value)),
    )
    assert.deepEqual(staleNames(markers), [
      'a',
      'b',
      'scrape_duration_seconds',
      'scrape_samples_post_metric_relabeling',
      'scrape_samples_scraped',
      'scrape_series_added',
      'up',
    ])
    assert.equal(markers.length, 7)
    for (const s of markers) assert.ok(s.samples[0]!.timestampMs > lastTs)
    assert.deepEqual(manager.targetsStatus(), [])
    const requests = target.requests.length
    await sleep(250)
    assert.equal(target.requests.length, requests, 'no scrapes after removal')
  })

  test('a target resharded away stops without staleness markers, and starts again when owned', async () => {
    let owned = true
    const { target, appender, manager, discovered } = await setup(text('a 1\n'), {}, { isOwned: () => owned })
    manager.setTargets([discovered])
    await appender.waitFor(1)
    owned = false
    manager.reshard()
    await sleep(50)
    const count = appender.batches.length
    const requests = target.requests.length
    await sleep(250)
    assert.equal(target.requests.length, requests, 'no scrapes while not owned')
    assert.equal(appender.batches.length, count)
    for (const batch of appender.batches) assert.deepEqual(staleNames(batch), [])
    assert.deepEqual(manager.targetsStatus(), [])

    owned = true
    manager.reshard()
    const batches = await appender.waitFor(count + 1)
    assert.equal(sampleValue(batches[count]!, 'up'), 1)
  })

  test('a target gained by a reshard scrapes no tick before its hand-over wait settles; discovered targets do not wait', async () => {
    let owned = false
    const registry = new Registry()
    const calls: { key: string; timeoutMs: number }[] = []
    const { promise: handedOver, resolve: handOver } = Promise.withResolvers<HandoverResult>()
    const { target, appender, manager, discovered } = await setup(
      text('a 1\n'),
      {},
      {
        isOwned: () => owned,
        registry,
        handover: (key, timeoutMs) => {
          calls.push({ key, timeoutMs })
          return handedOver
        },
      },
    )
    manager.setTargets([discovered])
    owned = true
    manager.reshard()
    assert.deepEqual(calls, [{ key: targetKey(discovered), timeoutMs: 100 + HANDOVER_SLACK_MS }])
    await sleep(400)
    assert.equal(target.requests.length, 0, 'no scrape while the previous owner has not let go')
    const releasedAt = Date.now()
    handOver('claimed')
    const [batch] = await appender.waitFor(1, 3000)
    const first = find(batch!, 'up')[0]!.samples[0]!.timestampMs
    assert.ok(first >= releasedAt - 5, `first scrape ${first - releasedAt} ms after the release`)
    const metric = await registry.getSingleMetric('sluice_scrape_handover_waits_total')!.get()
    assert.deepEqual(
      metric.values.map((v) => [v.labels.result, v.value]),
      [['claimed', 1]],
    )

    // A target that discovery adds (not a move between nodes) starts on its next tick, unasked.
    const other = await startTarget(text('b 1\n'))
    targets.push(other)
    const addedAt = Date.now()
    manager.setTargets([discovered, { labels: labelsOf({ __address__: other.address }) }])
    const deadline = Date.now() + 2000
    while (other.requests.length === 0 && Date.now() < deadline) await sleep(10)
    assert.ok(other.requests.length > 0)
    assert.ok(
      Date.now() - addedAt < 300,
      `a discovered target was first scraped ${Date.now() - addedAt} ms after it appeared`,
    )
    assert.equal(calls.length, 1, 'only the gained target waited')
  })

  test('a target lost again while its hand-over wait is pending aborts the wait and is never scraped', async () => {
    let owned = false
    let signal: AbortSignal | undefined
    const { target, manager, discovered } = await setup(
      text('a 1\n'),
      {},
      {
        isOwned: () => owned,
        // Settles only on abort, like a previous owner that never claims.
        handover: (_key, _timeoutMs, s) => {
          signal = s
          return new Promise((resolve) => s.addEventListener('abort', () => resolve('aborted')))
        },
      },
    )
    manager.setTargets([discovered])
    owned = true
    manager.reshard()
    assert.equal(signal?.aborted, false)
    owned = false
    manager.reshard()
    assert.equal(signal.aborted, true, 'the retire aborted the wait at once')
    await sleep(300)
    assert.equal(target.requests.length, 0)
    assert.deepEqual(manager.targetsStatus(), [])
  })

  test('reshard() stops a lost target before it returns: a scrape in flight appends nothing and no other starts', async () => {
    let owned = true
    let release: (() => void) | undefined
    const { target, appender, manager, discovered } = await setup(
      (_req, res) => {
        // Answers only when the test says so: the scrape is in flight during the reshard.
        release = () => {
          res.setHeader('content-type', 'text/plain')
          res.end('a 1\n')
        }
      },
      { scrape_interval_ms: 1000, scrape_timeout_ms: 1000 },
      { isOwned: () => owned },
    )
    manager.setTargets([discovered])
    const deadline = Date.now() + 2000
    while (target.requests.length === 0 && Date.now() < deadline) await sleep(5)
    assert.equal(target.requests.length, 1)
    owned = false
    manager.reshard()
    release?.()
    await sleep(400)
    assert.equal(appender.batches.length, 0, 'the abandoned scrape appended nothing')
    assert.equal(target.requests.length, 1, 'no scrape after the reshard')
  })

  test('never overlaps scrapes of one target when a scrape outlasts the interval', async () => {
    let active = 0
    let maxActive = 0
    const slowParse = async (input: ParseScrapeInput) => {
      active++
      maxActive = Math.max(maxActive, active)
      await sleep(250)
      active--
      return parseScrapeBody(input)
    }
    const { target, appender, manager, discovered } = await setup(text('a 1\n'), {}, { parse: slowParse })
    manager.setTargets([discovered])
    await appender.waitFor(2)
    assert.equal(maxActive, 1)
    // Each scrape takes 250 ms at a 100 ms interval: ticks in between are skipped, not queued.
    assert.ok(target.requests.length <= 3, `${target.requests.length} requests`)
    const [a, b] = appender.batches
    const gap = b![0]!.samples[0]!.timestampMs - a![0]!.samples[0]!.timestampMs
    assert.ok(gap >= 250, `gap ${gap}`)
  })

  test('a slow target times out and reports down', async () => {
    const { appender, manager, discovered } = await setup((_req, res) => {
      setTimeout(() => res.end('a 1\n'), 400).unref()
    })
    manager.setTargets([discovered])
    const [batch] = await appender.waitFor(1)
    assert.equal(sampleValue(batch!, 'up'), 0)
    assert.match(manager.targetsStatus()[0]!.lastError!, /timed out/)
  })

  test('target_limit fails every scrape of the job while exceeded', async () => {
    const { target, appender, manager, discovered } = await setup(text('a 1\n'), { target_limit: 1 })
    const second: Target = { labels: labelsOf({ __address__: target.address, shard: '2' }) }
    manager.setTargets([discovered, second])
    const batches = await appender.waitFor(2)
    for (const b of batches.slice(0, 2)) assert.equal(sampleValue(b, 'up'), 0)
    assert.match(manager.targetsStatus()[0]!.lastError!, /target_limit/)
    manager.setTargets([discovered])
    await appender.waitForBatch((b) => sampleValue(b, 'up') === 1)
  })

  test('a config change restarts loops and marks series whose labels changed', async () => {
    const { appender, manager, discovered } = await setup(text('a 1\n'))
    manager.setTargets([discovered])
    await appender.waitFor(1)
    manager.updateConfig(testConfig({ job_name: 'renamed' }))
    const batch = await appender.waitForBatch((b) => find(b, 'a', { job: 'renamed' }).length > 0)
    const stale = batch.filter((s) => isStaleNaN(s.samples[0]!.value))
    assert.ok(stale.length === 6 && stale.every((s) => asRecord(s.labels).job === 'test'))
    assert.equal(manager.targetsStatus()[0]!.labels.find((l) => l.name === 'job')!.value, 'renamed')
  })
})
