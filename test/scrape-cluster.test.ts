import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { startBackend, startSluice, waitForOwners } from './lib/peers.ts'
import { Cleanup, freePort, waitFor } from './lib/process.ts'
import { alloyTargets, type CountingTarget, startTargets } from './lib/scrape-targets.ts'

const TARGETS = 30

function scrapeConfig(node: string, targets: readonly CountingTarget[], backendUrl: string): string {
  return `prometheus.scrape "fleet" {
\ttargets         = ${alloyTargets(targets)}
\tjob_name        = "fleet"
\tscrape_interval = "1s"
\tscrape_timeout  = "800ms"
\thttp_headers    = { "X-Scraper" = ["${node}"] }
\tforward_to      = [prometheus.remote_write.backend.receiver]

\tclustering {
\t\tenabled = true
\t}
}

prometheus.remote_write "backend" {
\tendpoint {
\t\turl = "${backendUrl}/api/v1/write"

\t\tqueue_config {
\t\t\tbatch_send_deadline = "200ms"
\t\t}
\t}
}
`
}

type Node = Awaited<ReturnType<typeof startSluice>> & { name: string }

/** Starts clustered scraper `node-<i>` on cluster port `clusterPorts[i]`, joining through the first. */
async function startScraper(
  cleanup: Cleanup,
  i: number,
  clusterPorts: readonly number[],
  targets: readonly CountingTarget[],
  backendUrl: string,
  extraArgs: string[] = [],
): Promise<Node> {
  const name = `node-${i}`
  const node = await startSluice(cleanup, scrapeConfig(name, targets, backendUrl), {
    args: [
      '--cluster.enabled',
      `--cluster.listen-addr=127.0.0.1:${clusterPorts[i]}`,
      `--cluster.node-name=${name}`,
      `--cluster.join-addresses=127.0.0.1:${clusterPorts[0]}`,
      ...extraArgs,
    ],
  })
  return { ...node, name }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Which node scraped each target in [from, to): the set of scraper names per target. */
function scrapers(targets: readonly CountingTarget[], from: number, to: number): Map<string, Set<string>> {
  return new Map(targets.map((t) => [t.name, new Set(t.between(from, to).map((h) => h.by))]))
}

/** count_over_time per target at an instant in the past, from the backend. */
async function samplesPerTarget(
  backend: string,
  windowS: number,
  atMs: number,
): Promise<Map<string, number>> {
  const q = `count_over_time(test_target_scrapes_total{job="fleet"}[${windowS}s])`
  const res = await fetch(`${backend}/api/v1/query?query=${encodeURIComponent(q)}&time=${atMs / 1000}`)
  const body = (await res.json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] }
  }
  return new Map(body.data.result.map((r) => [r.metric.target!, Number(r.value[1])]))
}

async function droppedSamples(node: Node): Promise<string[]> {
  const text = await (await fetch(`${node.url}/metrics`)).text()
  return text.split('\n').filter((l) => /^sluice_remote_write_dropped_samples_total\{[^}]*\} [1-9]/.test(l))
}

describe('prometheus.scrape with clustering on three nodes: targets sharded, scraped once, moved on membership change', () => {
  const cleanup = new Cleanup()
  after(() => cleanup.run())

  test('30 targets at 1s: exactly one scrape per interval, all covered, re-covered within 15 s of a SIGKILL, ~1/3 moved on a join', async () => {
    const targets = await startTargets(TARGETS)
    cleanup.add(() => Promise.all(targets.map((t) => t.close())))
    const backend = await startBackend(cleanup)
    const clusterPorts = await Promise.all([0, 1, 2, 3].map(() => freePort()))
    const start = (i: number): Promise<Node> =>
      startScraper(cleanup, i, clusterPorts, targets, backend.url, [
        // No node takes targets before three are there: otherwise the first one up scrapes them all
        // and hands them over while the others' heartbeats are still on their way.
        '--cluster.wait-for-size=3',
        '--cluster.wait-timeout=30s',
        // The killed node never comes back: with the default 30 s crash hold the survivors would
        // deliver nothing, and so claim no flush, for the join that follows (its targets would wait
        // for their bound; docs/cluster.md, hand-over rule 6). This test is about scraping.
        '--cluster.crash-hold=1s',
      ])
    const nodes: Node[] = await Promise.all([start(0), start(1), start(2)])
    await waitForOwners(nodes, 3)

    // Steady state: from the targets' side, each got one GET per second from exactly one node.
    await sleep(3000)
    const t0 = Date.now()
    const windowMs = 8000
    await sleep(windowMs)
    const steady = scrapers(targets, t0, t0 + windowMs)
    const perNode = new Map<string, number>()
    for (const t of targets) {
      const hits = t.between(t0, t0 + windowMs).length
      assert.ok(
        hits >= 7 && hits <= 9,
        `${t.name} got ${hits} scrapes in 8 s: ${t
          .between(t0 - 3000, t0 + windowMs)
          .map((h) => `${h.by}@${h.at - t0}`)
          .join(' ')}`,
      )
      const by = [...steady.get(t.name)!]
      assert.equal(by.length, 1, `${t.name} scraped by ${by.join(', ')}`)
      perNode.set(by[0]!, (perNode.get(by[0]!) ?? 0) + 1)
    }
    assert.equal(perNode.size, 3, `targets spread over all nodes: ${JSON.stringify([...perNode])}`)

    // The backend agrees: about one sample per second per target, not two.
    const counted = await waitFor(
      'the steady window at the backend',
      async () => {
        const m = await samplesPerTarget(backend.url, 6, t0 + 7000)
        if (m.size === TARGETS) return m
        const all = await fetch(
          `${backend.url}/api/v1/query?query=${encodeURIComponent('count by (job, __name__) ({__name__=~".+"})')}`,
        )
        throw new Error(
          `${m.size} targets at the backend; ${await all.text()}; ${await droppedSamples(nodes[0]!)} ${nodes[0]!.proc.output.slice(-2000)}`,
        )
      },
      15_000,
    )
    for (const [name, n] of counted)
      assert.ok(n >= 5 && n <= 7, `${name}: ${n} samples in 6 s at the backend`)

    // SIGKILL one node: its targets are picked up by the others within 15 s.
    const victim = nodes[2]!
    const owned = targets.filter((t) => steady.get(t.name)!.has(victim.name))
    await victim.proc.stop('SIGKILL')
    const killedAt = Date.now()
    const survivors = nodes.slice(0, 2)
    await waitFor(
      'every target of the killed node scraped by a survivor',
      async () =>
        owned.every((t) => t.hits.some((h) => h.at > killedAt && h.by !== victim.name)) ? true : undefined,
      15_000,
      100,
    )
    const recovery = Math.max(
      ...owned.map((t) => t.hits.find((h) => h.at > killedAt && h.by !== victim.name)!.at - killedAt),
    )

    // A fourth node joins: about a third of the targets move to it, and only to it.
    await sleep(2000)
    const beforeJoin = scrapers(targets, Date.now() - 2000, Date.now())
    const joinAt = Date.now()
    nodes.push(await start(3))
    const joiner = nodes[3]!
    await waitForOwners([...survivors, joiner], 3)
    await sleep(3000)
    const t1 = Date.now()
    await sleep(4000)
    const afterJoin = scrapers(targets, t1, t1 + 4000)
    let moved = 0
    for (const t of targets) {
      const now = [...afterJoin.get(t.name)!]
      assert.equal(
        now.length,
        1,
        `${t.name} scraped by [${now.join(', ')}] after the join; GETs since the join (ms after it): ${t.hits
          .filter((h) => h.at > joinAt - 2000)
          .map((h) => `${h.by}@${h.at - joinAt}`)
          .join(' ')}; window ${t1 - joinAt}..${t1 - joinAt + 4000}`,
      )
      const was = [...beforeJoin.get(t.name)!]
      assert.equal(was.length, 1)
      if (now[0] !== was[0]) {
        assert.equal(now[0], joiner.name, `${t.name} moved from ${was[0]} to ${now[0]}, not to the new node`)
        moved++
      }
    }
    assert.ok(
      moved >= 4 && moved <= 17,
      `${moved} of ${TARGETS} targets moved to the new node (expected about 10)`,
    )

    // Over the whole run, including the kill and the join, no target was scraped twice within 300 ms.
    for (const t of targets) {
      const close = t.hits.filter((h, i) => i > 0 && h.at - t.hits[i - 1]!.at < 300)
      const ctx = close.map((h) => {
        const i = t.hits.indexOf(h)
        return `${t.hits[i - 1]!.by}@${t.hits[i - 1]!.at - killedAt} ${h.by}@${h.at - killedAt}`
      })
      assert.ok(
        t.minGap() >= 300,
        `${t.name}: two scrapes ${t.minGap()} ms apart: ${ctx.join('; ')} (ms after kill; join at ${joinAt - killedAt})`,
      )
    }
    for (const node of [...survivors, joiner])
      assert.deepEqual(await droppedSamples(node), [], `${node.name} dropped samples`)
    console.log(
      `scrape-cluster: steady spread ${JSON.stringify([...perNode])}, recovery after SIGKILL ${recovery} ms, ${moved}/${TARGETS} moved on join`,
    )
  })

  test('started without --cluster.wait-for-size, nodes taking targets from each other one by one never scrape a target twice within 300 ms', async () => {
    const targets = await startTargets(TARGETS)
    cleanup.add(() => Promise.all(targets.map((t) => t.close())))
    const backend = await startBackend(cleanup)
    const clusterPorts = await Promise.all([0, 1, 2].map(() => freePort()))
    const start = (i: number): Promise<Node> => startScraper(cleanup, i, clusterPorts, targets, backend.url)
    // The first node takes every target; each later one takes its share from the nodes already there.
    const nodes: Node[] = [await start(0)]
    nodes.push(await start(1))
    nodes.push(await start(2))
    await waitForOwners(nodes, 3)
    await sleep(3000)
    const t0 = Date.now()
    await sleep(3000)
    const steady = scrapers(targets, t0, t0 + 3000)
    for (const t of targets) {
      assert.equal(steady.get(t.name)!.size, 1, `${t.name} scraped by ${[...steady.get(t.name)!].join(', ')}`)
      assert.ok(
        t.minGap() >= 300,
        `${t.name}: two scrapes ${t.minGap()} ms apart: ${t.hits.map((h) => `${h.by}@${h.at - t0}`).join(' ')}`,
      )
    }
  })
})
