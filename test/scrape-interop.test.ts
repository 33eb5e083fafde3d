import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { query, startBackend, startNodeExporter, startSluice } from './lib/peers.ts'
import { Cleanup, freePort, Proc, tempDir, waitFor, waitForHttp, writeFile } from './lib/process.ts'

/** A real Prometheus scraping `address` every second as job "node", into its own TSDB. */
async function startScrapingPrometheus(cleanup: Cleanup, address: string): Promise<string> {
  const dir = cleanup.dir(tempDir('prom-scrape'))
  const port = await freePort()
  const config = writeFile(
    dir,
    'prometheus.yml',
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ["${address}"]\n`,
  )
  cleanup.proc(
    new Proc('prometheus-scraper', 'prometheus', [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]),
  )
  await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 60_000)
  return `http://127.0.0.1:${port}`
}

/** Series of the node job, per metric name, at the latest instant. */
async function seriesPerName(base: string): Promise<Map<string, number>> {
  const r = await query(base, 'count by (__name__) ({job="node"})')
  return new Map(r.map((s) => [s.metric.__name__!, Number(s.value[1])]))
}

/** The label sets of one family, each as a sorted `k=v,...` string. */
async function labelSets(base: string, selector: string): Promise<string[]> {
  const r = await query(base, selector)
  return r
    .map((s) =>
      Object.entries(s.metric)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    )
    .sort()
}

// Per-collector status series (one per collector that ran, which can differ between two scrapes when a
// collector times out or fails on a busy machine) are left out of the series-count check; their names
// are still compared.
const VOLATILE = /^(node_scrape_collector_|node_textfile_)/

describe('Sluice and Prometheus scraping the same node-exporter', () => {
  const cleanup = new Cleanup()
  after(() => cleanup.run())

  test('produce the same metric names, series counts and label sets, job and instance included', async () => {
    const exporter = await startNodeExporter(cleanup)
    const backend = await startBackend(cleanup)
    await startSluice(
      cleanup,
      `prometheus.scrape "node" {\n\ttargets         = [{ __address__ = "${exporter.address}" }]\n\tjob_name        = "node"\n\tscrape_interval = "1s"\n\tscrape_timeout  = "1s"\n\tforward_to      = [prometheus.remote_write.backend.receiver]\n}\n\nprometheus.remote_write "backend" {\n\tendpoint {\n\t\turl = "${backend.url}/api/v1/write"\n\n\t\tqueue_config {\n\t\t\tbatch_send_deadline = "200ms"\n\t\t}\n\t}\n}\n`,
    )
    const prometheus = await startScrapingPrometheus(cleanup, exporter.address)

    // A few scrapes on both sides, so that both have settled series sets.
    await waitFor(
      'node-exporter series in both TSDBs',
      async () => {
        const ready = (m: Map<string, number>) => m.get('up') === 1 && m.size > 50
        return ready(await seriesPerName(backend.url)) && ready(await seriesPerName(prometheus))
          ? true
          : undefined
      },
      30_000,
      500,
    )
    // A few more scrapes on both sides, so that both series sets have settled.
    await new Promise((r) => setTimeout(r, 3000))
    const viaSluice = await seriesPerName(backend.url)
    const viaPrometheus = await seriesPerName(prometheus)
    assert.deepEqual([...viaSluice.keys()].sort(), [...viaPrometheus.keys()].sort(), 'the same metric names')
    for (const [name, n] of viaPrometheus) {
      if (VOLATILE.test(name)) continue
      assert.equal(viaSluice.get(name), n, `${name}: series count via Sluice vs Prometheus`)
    }
    for (const family of [
      'up',
      'scrape_samples_scraped',
      'node_cpu_seconds_total',
      'node_uname_info',
      'node_network_receive_bytes_total',
      'node_filesystem_size_bytes',
    ]) {
      assert.deepEqual(
        await labelSets(backend.url, family),
        await labelSets(prometheus, family),
        `${family}: label sets via Sluice vs Prometheus`,
      )
    }
    // The per-scrape sample count agrees too (what both parsed from the same exposition).
    const scraped = async (base: string) =>
      Number((await query(base, 'scrape_samples_scraped{job="node"}'))[0]?.value[1])
    const [a, b] = [await scraped(backend.url), await scraped(prometheus)]
    assert.ok(Math.abs(a - b) <= Math.max(5, b * 0.02), `samples per scrape: Sluice ${a}, Prometheus ${b}`)
  })
})
