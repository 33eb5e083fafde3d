import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { startSluice } from './lib/peers.ts'
import { Cleanup, tempDir, waitFor } from './lib/process.ts'
import { type CountingTarget, startTargets } from './lib/scrape-targets.ts'

/**
 * Prometheus's hashmod, computed independently of @sluice/relabel: the MD5 digest's last eight bytes
 * as a big-endian integer, modulo `modulus`.
 */
function hashmod(value: string, modulus: number): number {
  const digest = createHash('md5').update(value).digest()
  return Number(digest.readBigUInt64BE(8) % BigInt(modulus))
}

function writeFileSd(path: string, targets: readonly CountingTarget[]): void {
  const groups = [{ targets: targets.map((t) => t.address), labels: { env: 'test' } }]
  writeFileSync(`${path}.tmp`, JSON.stringify(groups))
  // Renamed into place, so discovery never reads a half-written file.
  renameSync(`${path}.tmp`, path)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('discovery.file -> discovery.relabel (hashmod) -> prometheus.scrape in one config', () => {
  const cleanup = new Cleanup()
  after(() => cleanup.run())

  test('file_sd targets appear, a hashmod shard keeps half of them, and editing the file changes what is scraped', async () => {
    const targets = await startTargets(20)
    cleanup.add(() => Promise.all(targets.map((t) => t.close())))
    const dir = cleanup.dir(tempDir('file-sd'))
    const sdPath = join(dir, 'targets.json')
    const first = targets.slice(0, 12)
    writeFileSd(sdPath, first)

    await startSluice(
      cleanup,
      `discovery.file "fleet" {
\tfiles            = ["${sdPath}"]
\trefresh_interval = "1s"
}

discovery.relabel "shard" {
\ttargets = discovery.file.fleet.targets

\trule {
\t\tsource_labels = ["__address__"]
\t\tmodulus       = 2
\t\ttarget_label  = "__tmp_hash"
\t\taction        = "hashmod"
\t}

\trule {
\t\tsource_labels = ["__tmp_hash"]
\t\tregex         = "0"
\t\taction        = "keep"
\t}
}

prometheus.scrape "fleet" {
\ttargets         = discovery.relabel.shard.output
\tscrape_interval = "1s"
\tscrape_timeout  = "800ms"
\thttp_headers    = { "X-Scraper" = ["single"] }
\tforward_to      = [prometheus.echo.out.receiver]
}

prometheus.echo "out" { }
`,
    )

    const shard = (set: readonly CountingTarget[]) => set.filter((t) => hashmod(t.address, 2) === 0)
    const expectScraping = async (set: readonly CountingTarget[], what: string) => {
      const wanted = shard(set)
      assert.ok(wanted.length > 0 && wanted.length < set.length, 'the shard is a proper subset')
      const since = Date.now()
      await waitFor(
        what,
        async () => (wanted.every((t) => t.hits.some((h) => h.at > since)) ? true : undefined),
        15_000,
      )
      // Let the others have their chance to be (wrongly) scraped: three intervals.
      const from = Date.now()
      await sleep(3000)
      const to = Date.now()
      const scraped = targets.filter((t) => t.between(from, to).length > 0).map((t) => t.name)
      assert.deepEqual(
        scraped.sort(),
        wanted.map((t) => t.name).sort(),
        `${what}: exactly the hashmod-0 half`,
      )
    }

    await expectScraping(first, 'the first file: its hashmod-0 targets scraped')
    // Replace the file: half the old targets leave, new ones arrive.
    const second = [...targets.slice(6, 12), ...targets.slice(12, 20)]
    writeFileSd(sdPath, second)
    await expectScraping(second, 'the edited file: scraping follows it')
  })
})
