import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Label } from '@sluice/contracts'
import { query, startBackend, startSluice, waitForOwners } from './lib/peers.ts'
import { Cleanup, freePort, Proc, tempDir, waitFor, waitForHttp, writeFile } from './lib/process.ts'
import { RoundRobinLoad } from './lib/round-robin.ts'

type Node = Awaited<ReturnType<typeof startSluice>>
type Backend = Awaited<ReturnType<typeof startBackend>>

const SERIES = 60
/** Samples are this old at the start: inside the backends' head block, far from "now". */
const START_MS = Date.now() - 30 * 60_000
const LOAD = { maxRequests: 3000, gapMs: 5, retryForMs: 20_000 }

function seriesOf(name: string): Label[][] {
  return Array.from({ length: SERIES }, (_, i) => [
    { name: '__name__', value: name },
    { name: 'series', value: String(i) },
  ])
}

/**
 * receive_http into one remote_write per backend (two components rather than two endpoints of one:
 * the worker pool refuses the fan-out stage one component builds for several endpoints).
 */
function nodeConfig(ingestPort: number, deadline: string, strictUrl: string, tolerantUrl?: string): string {
  const writer = (name: string, url: string) =>
    `prometheus.remote_write "${name}" {\n\tendpoint {\n\t\turl = "${url}/api/v1/write"\n\n\t\tqueue_config {\n\t\t\tbatch_send_deadline = "${deadline}"\n\t\t\tmin_backoff         = "50ms"\n\t\t\tmax_backoff         = "500ms"\n\t\t}\n\t}\n}\n\n`
  const receivers = ['prometheus.remote_write.strict.receiver']
  if (tolerantUrl) receivers.push('prometheus.remote_write.tolerant.receiver')
  return `prometheus.receive_http "ingest" {\n\thttp {\n\t\tlisten_address = "127.0.0.1"\n\t\tlisten_port    = ${ingestPort}\n\t}\n\tforward_to = [${receivers.join(', ')}]\n}\n\n${writer('strict', strictUrl)}${tolerantUrl ? writer('tolerant', tolerantUrl) : ''}`
}

/** A Prometheus that, unlike the default one, accepts samples up to an hour out of order. */
async function startTolerantBackend(cleanup: Cleanup): Promise<Backend> {
  const dir = cleanup.dir(tempDir('backend-ooo'))
  const port = await freePort()
  const config = writeFile(
    dir,
    'prometheus.yml',
    'global:\n  scrape_interval: 1h\nstorage:\n  tsdb:\n    out_of_order_time_window: 1h\n',
  )
  const proc = cleanup.proc(
    new Proc('backend-ooo', 'prometheus', [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ]),
  )
  await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 60_000)
  return { url: `http://127.0.0.1:${port}`, proc, dir, port }
}

/** Every series' sample count at the backend, by series label. */
async function counts(backend: Backend, name: string): Promise<Map<string, number>> {
  const result = await query(backend.url, `count_over_time(${name}[2h])`)
  return new Map(result.map((r) => [r.metric.series!, Number(r.value[1])]))
}

function total(c: Map<string, number>): number {
  let sum = 0
  for (const v of c.values()) sum += v
  return sum
}

/** Waits (bounded) until the backend has `expected` samples of every series; returns what it has. */
async function waitComplete(backend: Backend, name: string, expected: number): Promise<Map<string, number>> {
  let last = new Map<string, number>()
  try {
    await waitFor(
      `${expected} samples of each of ${SERIES} series ${name} at the backend`,
      async () => {
        last = await counts(backend, name)
        return last.size === SERIES && [...last.values()].every((v) => v === expected) ? true : undefined
      },
      15_000,
    )
  } catch (err) {
    throw new Error(`${(err as Error).message}; has ${total(last)} of ${expected * SERIES} samples`)
  }
  return last
}

async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text()
}

/** Sum of a metric's samples whose label text matches `labels` (a regex over the `{...}` part). */
function sumOf(text: string, name: string, labels = /.*/): number {
  let sum = 0
  for (const line of text.split('\n')) {
    const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line)
    if (m && m[1] === name && labels.test(m[2] ?? '')) sum += Number(m[3])
  }
  return sum
}

async function droppedAt(nodes: Node[], endpoint: string): Promise<number> {
  let sum = 0
  for (const node of nodes) {
    sum += sumOf(
      await metricsOf(node.url),
      'sluice_remote_write_dropped_samples_total',
      new RegExp(`component="prometheus.remote_write.${endpoint}["/]`),
    )
  }
  return sum
}

async function sumOver(nodes: Node[], name: string, labels?: RegExp): Promise<number> {
  let sum = 0
  for (const node of nodes) sum += sumOf(await metricsOf(node.url), name, labels)
  return sum
}

function waitOwners(nodes: Node[], n: number): Promise<void> {
  return waitForOwners(nodes, n, 20_000, 100)
}

/**
 * Batch deadlines of the clustered nodes: the first three hold two seconds of samples in their WALs,
 * the fourth sends within 100 ms. Whoever takes keys over from a slow node would, without the
 * hand-over, get newer samples to the backend before the slow node's older ones.
 */
const DEADLINES = ['2s', '2s', '2s', '100ms']

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('ordering and durability through membership changes, in front of a Prometheus that rejects out-of-order samples', () => {
  const cleanup = new Cleanup()
  after(() => cleanup.run())
  let strict: Backend
  let tolerant: Backend

  before(async () => {
    ;[strict, tolerant] = await Promise.all([startBackend(cleanup), startTolerantBackend(cleanup)])
  })

  test('contrast: three independent nodes behind round-robin lose most of a sequential stream', async () => {
    const nodes: Node[] = []
    const ingest: string[] = []
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      nodes.push(await startSluice(cleanup, nodeConfig(port, '200ms', strict.url)))
      ingest.push(`http://127.0.0.1:${port}/api/v1/metrics/write`)
    }
    const load = new RoundRobinLoad(ingest, seriesOf('membership_independent'), START_MS)
    load.start(LOAD)
    await load.until(150, 15_000)
    await load.stop()
    // Every node acknowledged its share and sends it; what the backend keeps is what arrived in order.
    await waitFor(
      'the independent nodes to empty their WALs',
      async () => ((await sumOver(nodes, 'sluice_wal_records')) === 0 ? true : undefined),
      15_000,
    )
    const have = total(await counts(strict, 'membership_independent'))
    const expected = load.sent * SERIES
    const dropped = await droppedAt(nodes, 'strict')
    console.log(
      `independent nodes: backend has ${have} of ${expected} samples; ${dropped} dropped as rejected`,
    )
    assert.ok(have < expected / 2, `backend has ${have} of ${expected}: expected most of them rejected`)
    assert.ok(dropped > 0, 'the rejections show as dropped samples')
    await Promise.all(nodes.map((n) => n.proc.stop('SIGTERM')))
  })

  const clusterPorts: number[] = []
  const ingestPorts: number[] = []
  const nodes: Node[] = []

  /** `serveFirstMs`: the node serves (routing everything to the owners) this long before it owns keys. */
  async function startNode(i: number, dir?: string, httpPort?: number, serveFirstMs = 0): Promise<Node> {
    clusterPorts[i] ??= await freePort()
    ingestPorts[i] ??= await freePort()
    const args = [
      '--cluster.enabled',
      `--cluster.listen-addr=127.0.0.1:${clusterPorts[i]}`,
      `--cluster.node-name=node-${i}`,
      `--cluster.join-addresses=127.0.0.1:${clusterPorts[0]}`,
    ]
    // A size the cluster never reaches: the node waits the whole timeout.
    if (serveFirstMs > 0) args.push('--cluster.wait-for-size=99', `--cluster.wait-timeout=${serveFirstMs}ms`)
    const options: Parameters<typeof startSluice>[2] = { args }
    if (dir) options.dir = dir
    if (httpPort) options.httpPort = httpPort
    return startSluice(cleanup, nodeConfig(ingestPorts[i]!, DEADLINES[i]!, strict.url, tolerant.url), options)
  }

  const ingestUrl = (i: number) => `http://127.0.0.1:${ingestPorts[i]}/api/v1/metrics/write`

  test('a fourth node joins under load: no sample lost, none out of order', async () => {
    for (let i = 0; i < 3; i++) nodes[i] = await startNode(i)
    await waitOwners(nodes, 3)
    const load = new RoundRobinLoad([0, 1, 2].map(ingestUrl), seriesOf('membership_join'), START_MS)
    load.start(LOAD)
    await load.until(40, 10_000)
    // The balancer sends to the new node as soon as it is up; it routes everything to the owners
    // (warming its worker pool, so that it takes its keys over at full speed) until it owns keys.
    nodes[3] = await startNode(3, undefined, undefined, 2000)
    load.urls = [0, 1, 2, 3].map(ingestUrl)
    await waitOwners(nodes, 4)
    const at = load.sent
    await load.until(at + 100, 15_000)
    await load.stop()

    await waitComplete(strict, 'membership_join', load.sent)
    assert.equal(await droppedAt(nodes, 'strict'), 0, 'no batch was rejected by the strict backend')
    const holds = await sumOver(nodes, 'sluice_cluster_handover_holds_total')
    const joined = [nodes[3]!]
    const handovers = await sumOver(joined, 'sluice_cluster_handovers_total', /result="released"/)
    const held = await sumOver(joined, 'sluice_cluster_handover_hold_seconds_sum')
    console.log(
      `join: ${load.sent} requests, ${load.retries} retries, ${holds} writes held, new node held ${held.toFixed(2)} s`,
    )
    assert.equal(handovers, 1, 'the new node held the keys it gained until their previous owners flushed')
  })

  test('a node stopped with SIGTERM under load drains first: no sample lost, none out of order', async () => {
    const load = new RoundRobinLoad([0, 1, 2, 3].map(ingestUrl), seriesOf('membership_leave'), START_MS)
    load.start(LOAD)
    await load.until(40, 10_000)
    const stayers = [nodes[0]!, nodes[1]!, nodes[3]!]
    const handoversBefore = await sumOver(stayers, 'sluice_cluster_handovers_total', /result="released"/)
    const heldBefore = await sumOver(stayers, 'sluice_cluster_handover_hold_seconds_sum')
    const leaving = nodes[2]!
    const stopped = leaving.proc.stop('SIGTERM', 40_000)
    // A balancer's health check notices /-/ready going 503 a moment later.
    await sleep(300)
    load.urls = [0, 1, 3].map(ingestUrl)
    assert.equal(await stopped, 0, 'the leaving node exited cleanly')
    await waitOwners(stayers, 3)
    const at = load.sent
    await load.until(at + 60, 15_000)
    await load.stop()

    await waitComplete(strict, 'membership_leave', load.sent)
    assert.equal(await droppedAt(stayers, 'strict'), 0, 'no batch was rejected by the strict backend')
    assert.doesNotMatch(leaving.proc.output, /dropped it/, 'the leaving node had nothing rejected')
    const handovers =
      (await sumOver(stayers, 'sluice_cluster_handovers_total', /result="released"/)) - handoversBefore
    const held = (await sumOver(stayers, 'sluice_cluster_handover_hold_seconds_sum')) - heldBefore
    console.log(
      `leave: ${load.sent} requests, ${load.retries} retries, ${handovers} hand-overs, held ${held.toFixed(2)} s in all`,
    )
    assert.ok(handovers >= 1, 'the nodes that took the keys over held them until the leaving node flushed')
  })

  test('a node killed with SIGKILL under load and restarted: nothing lost, nothing out of order', async () => {
    const ooo = async () =>
      sumOf(await metricsOf(tolerant.url), 'prometheus_tsdb_head_out_of_order_samples_appended_total')
    const oooBefore = await ooo()
    const load = new RoundRobinLoad([0, 1, 3].map(ingestUrl), seriesOf('membership_kill'), START_MS)
    load.start(LOAD)
    await load.until(40, 10_000)
    const killed = nodes[1]!
    await killed.proc.stop('SIGKILL')
    load.urls = [0, 3].map(ingestUrl)
    const stayers = [nodes[0]!, nodes[3]!]
    await waitOwners(stayers, 2)
    const at = load.sent
    await load.until(at + 60, 15_000)
    await load.stop()
    // The stayers took the killed node's keys over and accept their samples, but send nothing while
    // it may still hold older ones (the crash hold).
    assert.ok(
      (await sumOver(stayers, 'sluice_cluster_delivery_held')) >= 1,
      'delivery is paused for the crashed node',
    )
    const views = await Promise.all(
      stayers.map(
        async (n) => (await (await fetch(`${n.url}/api/v1/cluster`)).json()) as { deliveryHeldFor: string[] },
      ),
    )
    assert.ok(
      views.some((v) => v.deliveryHeldFor.includes('node-1')),
      '/api/v1/cluster says whom delivery waits for',
    )

    // Restarted from its storage, it sends what it acknowledged before it died, then owns keys again.
    nodes[1] = await startNode(1, killed.dir, killed.httpPort)
    await waitOwners([...stayers, nodes[1]], 3)
    const strictHas = await waitComplete(strict, 'membership_kill', load.sent)
    await waitComplete(tolerant, 'membership_kill', load.sent)
    const outOfOrder = (await ooo()) - oooBefore
    const recovered = await sumOver(stayers, 'sluice_cluster_crash_holds_total', /result="recovered"/)
    const heldFor = await sumOver(stayers, 'sluice_cluster_crash_hold_seconds_sum')
    console.log(
      `kill: ${load.sent} requests, ${load.retries} retries; strict backend has ${total(strictHas)} of ${load.sent * SERIES}; ` +
        `${outOfOrder} arrived out of order at the tolerant backend; delivery held ${heldFor.toFixed(1)} s in all`,
    )
    assert.equal(await droppedAt([...stayers, nodes[1]], 'strict'), 0, 'no batch was rejected')
    assert.equal(outOfOrder, 0, 'no sample reached the tolerant backend out of order either')
    assert.equal(recovered, 2, 'both stayers held until the restarted node was back, not to the bound')
  })
})
