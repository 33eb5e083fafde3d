/**
 * Scrape cost, Sluice vs Prometheus, in one run: both scrape the same in-process targets every second
 * for a bounded time, and both drop every scraped sample right after parsing (Sluice through a
 * `prometheus.relabel` drop rule on its worker pool, Prometheus through `metric_relabel_configs`), so
 * what is compared is fetch + parse + label handling, not storage. CPU time is read from
 * /proc/<pid>/stat (utime + stime, all threads) of each process at the start and end of the window.
 *
 *   npm run bench:scrape                      # 50 targets x 1000 series, 20 s
 *   npm run bench:scrape -- 100 2000 30       # TARGETS SERIES SECONDS (at most 120 s)
 *   npm run bench:scrape -- 50 1000 20 /tmp/prof   # also write Sluice's .cpuprofile files (all threads) there
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { startSluice } from '../test/lib/peers.ts'
import { Cleanup, freePort, Proc, tempDir, waitForHttp, writeFile } from '../test/lib/process.ts'

const [TARGETS, SERIES, SECONDS] = [50, 1000, 20].map((fallback, i) =>
  Number(process.argv[2 + i] ?? fallback),
) as [number, number, number]
if (!(TARGETS > 0 && SERIES > 0 && SECONDS > 0 && SECONDS <= 120))
  throw new Error('usage: TARGETS SERIES SECONDS (<= 120)')
const WARMUP_MS = 5000
/** A directory for V8 CPU profiles of the Sluice process (main thread and workers), or undefined. */
const PROFILE_DIR = process.argv[5]

/** A node-exporter-like body: `SERIES` samples over 20 families with 1-3 labels each. */
function body(target: number): string {
  let out = ''
  const perFamily = Math.ceil(SERIES / 20)
  let n = 0
  for (let f = 0; f < 20 && n < SERIES; f++) {
    const name = `bench_family_${f}_total`
    out += `# HELP ${name} A counter of family ${f}.\n# TYPE ${name} counter\n`
    for (let i = 0; i < perFamily && n < SERIES; i++, n++)
      out += `${name}{device="dev${i % 16}",mode="m${i}",target="${target}"} ${(i * 7919 + target) % 100000}.5\n`
  }
  return out
}

const CLK_TCK = 100

/** utime + stime of a process (all its threads), in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name may contain spaces; fields after it are space-separated from ") ".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

async function main(): Promise<void> {
  const cleanup = new Cleanup()
  process.on('SIGINT', () => void cleanup.run().then(() => process.exit(130)))
  const gets = { sluice: 0, prometheus: 0, other: 0 }
  let counting = false
  const servers: Server[] = []
  const addresses: string[] = []
  for (let t = 0; t < TARGETS; t++) {
    const text = body(t)
    const server = createServer((req, res) => {
      if (counting) {
        const ua = String(req.headers['user-agent'] ?? '')
        if (req.headers['x-scraper'] === 'sluice') gets.sluice++
        else if (ua.startsWith('Prometheus/')) gets.prometheus++
        else gets.other++
      }
      res.setHeader('content-type', 'text/plain; version=0.0.4')
      res.end(text)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
    addresses.push(`127.0.0.1:${(server.address() as AddressInfo).port}`)
  }
  cleanup.add(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))))

  try {
    const sluice = await startSluice(
      cleanup,
      `prometheus.scrape "bench" {\n\ttargets         = [${addresses.map((a) => `{ __address__ = "${a}" }`).join(', ')}]\n\tscrape_interval = "1s"\n\tscrape_timeout  = "900ms"\n\thttp_headers    = { "X-Scraper" = ["sluice"] }\n\tforward_to      = [prometheus.relabel.drop.receiver]\n}\n\nprometheus.relabel "drop" {\n\tforward_to = []\n\n\trule {\n\t\tsource_labels = ["__name__"]\n\t\tregex         = ".*"\n\t\taction        = "drop"\n\t}\n}\n`,
      PROFILE_DIR === undefined ? {} : { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${PROFILE_DIR}` } },
    )
    const promDir = cleanup.dir(tempDir('bench-prom'))
    const promPort = await freePort()
    const promConfig = writeFile(
      promDir,
      'prometheus.yml',
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: bench\n    static_configs:\n      - targets: [${addresses.map((a) => `"${a}"`).join(', ')}]\n    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: ".*"\n        action: drop\n`,
    )
    const prometheus = cleanup.proc(
      new Proc('prometheus', 'prometheus', [
        `--config.file=${promConfig}`,
        `--storage.tsdb.path=${join(promDir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ]),
    )
    await waitForHttp(`http://127.0.0.1:${promPort}/-/ready`, 60_000)

    await new Promise((r) => setTimeout(r, WARMUP_MS))
    const pids = { sluice: sluice.proc.child.pid!, prometheus: prometheus.child.pid! }
    const cpu0 = { sluice: cpuSeconds(pids.sluice), prometheus: cpuSeconds(pids.prometheus) }
    counting = true
    const started = performance.now()
    await new Promise((r) => setTimeout(r, SECONDS * 1000))
    const elapsed = (performance.now() - started) / 1000
    counting = false
    const cpu = {
      sluice: cpuSeconds(pids.sluice) - cpu0.sluice,
      prometheus: cpuSeconds(pids.prometheus) - cpu0.prometheus,
    }

    const expected = TARGETS * elapsed
    console.log(`scrape bench: ${TARGETS} targets x ${SERIES} series at 1s, ${elapsed.toFixed(1)} s window`)
    console.log('scraper     scrapes  of-expected  cpu-s   cpu-%   scrapes/cpu-s   samples/cpu-s')
    for (const who of ['sluice', 'prometheus'] as const) {
      const scrapes = gets[who]
      const c = cpu[who]
      console.log(
        `${who.padEnd(11)} ${String(scrapes).padStart(7)}  ${((scrapes / expected) * 100).toFixed(0).padStart(10)}%  ${c.toFixed(2).padStart(5)}  ${((c / elapsed) * 100).toFixed(0).padStart(5)}%  ${(scrapes / c).toFixed(0).padStart(14)}  ${((scrapes * SERIES) / c).toFixed(0).padStart(14)}`,
      )
    }
    // A profile is written only on a clean exit, which the cleanup's SIGKILL would not give.
    if (PROFILE_DIR !== undefined) await sluice.proc.stop('SIGTERM')
  } finally {
    await cleanup.run()
  }
}

await main()
