import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, test } from 'node:test'
import { Cluster } from '@sluice/cluster'
import { defaultScrapeConfig, ScrapeManager, type Target, targetKey } from '@sluice/scrape'
import { Registry } from '@sluice/telemetry'
import { ClusterForwarder } from '../src/cluster-routing.ts'
import type { WalBacklog } from '../src/services.ts'

const FAST = { heartbeatIntervalMs: 100, deadAfterMs: 1000, rejoinIntervalMs: 300 } as const
const INTERVAL_MS = 300
const TARGETS = 16

async function until(what: string, condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const stops: (() => Promise<void>)[] = []
after(async () => {
  for (const stop of stops.reverse()) await stop()
})

const empty = (): WalBacklog => ({ records: 0, oldestAppendedAt: undefined })

type Hit = { path: string; by: string; at: number }

/** One HTTP server standing for many targets (one per path); it records who scraped which, when. */
async function startTargets(): Promise<{ targets: Target[]; hits: Hit[] }> {
  const hits: Hit[] = []
  const server = createServer((req, res) => {
    hits.push({ path: req.url ?? '', by: String(req.headers['x-scraper']), at: Date.now() })
    res.setHeader('content-type', 'text/plain')
    res.end('a 1\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`
  const targets = Array.from({ length: TARGETS }, (_, i) => ({
    labels: [
      { name: '__address__', value: address },
      { name: '__metrics_path__', value: `/t/${i}` },
      { name: 'i', value: String(i) },
    ],
  }))
  return { targets, hits }
}

/** A cluster member running one clustered scrape job the way `prometheus.scrape` wires it. */
async function node(name: string, join: string[], targets: Target[], backlog: () => WalBacklog = empty) {
  const cluster = await Cluster.start({
    listenAddr: '127.0.0.1:0',
    joinAddresses: join,
    nodeName: name,
    dataUrl: `http://127.0.0.1:1/${name}`,
    ...FAST,
  })
  const forwarder = new ClusterForwarder(cluster, {
    backlog,
    registry: new Registry(),
  })
  const registry = new Registry()
  const config = {
    ...defaultScrapeConfig('handover'),
    scrape_interval_ms: INTERVAL_MS,
    scrape_timeout_ms: 200,
    headers: { 'x-scraper': name },
  }
  const manager = new ScrapeManager({
    config,
    appender: { append: async () => {} },
    registry,
    component: 'prometheus.scrape.handover',
    isOwned: (t) => forwarder.ownsKey(targetKey(t)),
    handover: (key, timeoutMs, signal) => forwarder.waitForPreviousOwner(key, timeoutMs, signal),
  })
  manager.setTargets(targets)
  // Subscribed after the forwarder, as the daemon builds components after its cluster routing.
  const unsubscribe = forwarder.onChange(() => manager.reshard())
  stops.push(async () => {
    unsubscribe()
    await manager.stop()
    await forwarder.close()
    await cluster.stop()
  })
  return { cluster, forwarder, manager, registry }
}

const versionOf = (f: ClusterForwarder) => (f.ownership()?.table as { version: number } | undefined)?.version

test('a target moving to a joining node: the loser stops before it claims, the gainer scrapes only after the claim, never the same tick', async () => {
  const { targets, hits } = await startTargets()
  // A's WAL holds a record written before the change until the test empties it: A's claim waits for it.
  let aBacklog = empty()
  const a = await node('a', [], targets, () => aBacklog)
  a.cluster.markReady()
  await until('a to scrape every target', () => new Set(hits.map((h) => h.path)).size === TARGETS)

  // What A still scrapes at the moment it claims each version.
  const claims: { version: number; at: number; scraping: string[] }[] = []
  const setFlushed = a.cluster.setFlushed.bind(a.cluster)
  a.cluster.setFlushed = (version: number) => {
    const scraping = a.manager.targetsStatus().map((s) => targetKey({ labels: s.discoveredLabels }))
    claims.push({ version, at: Date.now(), scraping })
    setFlushed(version)
  }

  const b = await node('b', a.cluster.listenAddresses(), targets)
  await until('b to see a', () => b.cluster.members().length === 2 && versionOf(b.forwarder) !== undefined)
  aBacklog = { records: 1, oldestAppendedAt: performance.timeOrigin + performance.now() }
  const readyAt = Date.now()
  b.cluster.markReady()
  setTimeout(() => {
    aBacklog = empty()
  }, 1000)
  await until('both on one table of two', () => {
    const v = versionOf(a.forwarder)
    const members = (a.forwarder.ownership()?.table as { ids: string[] } | undefined)?.ids.length
    return v !== undefined && v === versionOf(b.forwarder) && members === 2
  })
  const v2 = versionOf(a.forwarder)!
  const moved = targets.filter((t) => b.forwarder.ownsKey(targetKey(t)))
  assert.ok(moved.length > 0, 'some of the 16 targets move to b')
  const paths = new Set(moved.map((t) => t.labels.find((l) => l.name === '__metrics_path__')!.value))
  await until('a to claim the new version', () => claims.some((c) => c.version === v2))
  await until('b to scrape every target it gained', () =>
    [...paths].every((p) => hits.some((h) => h.path === p && h.by === 'b')),
  )
  await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_MS))

  const claim = claims.find((c) => c.version === v2)
  assert.ok(claim, `a claimed the new version (claims: ${JSON.stringify(claims.map((c) => c.version))})`)
  assert.ok(claim.at - readyAt >= 900, `a claimed ${claim.at - readyAt} ms after b became ready`)
  const movedKeys = new Set(moved.map(targetKey))
  assert.deepEqual(
    claim.scraping.filter((k) => movedKeys.has(k)),
    [],
    'a had stopped every moved target when it claimed',
  )
  for (const path of paths) {
    const of = hits.filter((h) => h.path === path)
    const firstB = of.find((h) => h.by === 'b')!
    assert.ok(firstB.at >= claim.at, `${path}: b scraped ${claim.at - firstB.at} ms before a's claim`)
    assert.deepEqual(
      of.filter((h) => h.by === 'a' && h.at >= firstB.at),
      [],
      `${path}: a scraped after b took over`,
    )
    for (let i = 1; i < of.length; i++)
      assert.ok(
        of[i]!.at - of[i - 1]!.at >= INTERVAL_MS / 2,
        `${path}: two scrapes ${of[i]!.at - of[i - 1]!.at} ms apart: ${of.map((h) => `${h.by}@${h.at}`).join(' ')}`,
      )
  }
  const waits = await b.registry.getSingleMetric('sluice_scrape_handover_waits_total')!.get()
  assert.deepEqual(
    waits.values.map((v) => [v.labels.result, v.value]),
    [['claimed', moved.length]],
  )
})
