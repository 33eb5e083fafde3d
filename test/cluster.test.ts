import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import type { Label } from '@sluice/contracts'
import { startBackend, startClusterNodes, waitForSampleCounts } from './lib/peers.ts'
import { Cleanup } from './lib/process.ts'
import { SequentialSender } from './lib/push.ts'

/** The ingest of every node, with `clustering` (an Alloy block, or empty) in its receiver. */
function clusterConfig(ingestPort: number, backendUrl: string, clustering: string): string {
  return `prometheus.receive_http "ingest" {\n\thttp {\n\t\tlisten_address = "127.0.0.1"\n\t\tlisten_port    = ${ingestPort}\n\t}\n\tforward_to = [prometheus.remote_write.backend.receiver]\n${clustering}}\n\nprometheus.remote_write "backend" {\n\tendpoint {\n\t\turl = "${backendUrl}/api/v1/write"\n\n\t\tqueue_config {\n\t\t\tbatch_send_deadline = "200ms"\n\t\t}\n\t}\n}\n`
}

/** Three clustered nodes in front of a strict Prometheus; returns the backend and each node's ingest URL. */
async function startCluster(cleanup: Cleanup, clustering = '') {
  const backend = await startBackend(cleanup)
  const { nodes, ingestPorts } = await startClusterNodes(cleanup, 3, (_, port) =>
    clusterConfig(port, backend.url, clustering),
  )
  const ingests = ingestPorts.map((p) => `http://127.0.0.1:${p}/api/v1/metrics/write`)
  return { backend, nodes, ingests }
}

/** Forwards between members, summed; fails if any node dropped samples (a strict backend's 400s). */
async function forwardsWithoutDrops(nodes: readonly { url: string }[]): Promise<number> {
  let forwarded = 0
  for (const node of nodes) {
    const text = await (await fetch(`${node.url}/metrics`)).text()
    forwarded += Number(/sluice_cluster_forwards_total\{result="ok"\} (\d+)/.exec(text)?.[1] ?? 0)
    // The backend's out-of-order rejections would show as dropped 4xx batches here.
    assert.doesNotMatch(text, /sluice_remote_write_dropped_samples_total\{[^}]*\} [1-9]/)
  }
  return forwarded
}

describe('three clustered nodes behind round-robin, in front of a Prometheus that rejects out-of-order samples', () => {
  const cleanup = new Cleanup()
  after(() => cleanup.run())

  test('every request spread over all nodes arrives whole and in order, routed through the series owners', async () => {
    const { backend, nodes, ingests } = await startCluster(cleanup)
    const series = Array.from({ length: 60 }, (_, i) => [
      { name: '__name__', value: 'cluster_order_test' },
      { name: 'series', value: String(i) },
    ])
    const start = Date.now() - 10 * 60_000
    // Request r goes to node r mod 3, as a round-robin balancer sends it; each carries the next sample of every series.
    const requests = 12
    for (let r = 0; r < requests; r++) {
      const sender = new SequentialSender(ingests[r % 3]!, series, start + r * 1000)
      await sender.send(1, 30_000)
    }
    const counts = await waitForSampleCounts(
      backend.url,
      'cluster_order_test',
      series.length,
      requests,
      30_000,
    )
    assert.equal(counts.length, series.length)
    assert.ok((await forwardsWithoutDrops(nodes)) > 0, 'series owned by other members were forwarded to them')
  })

  test('owning series by an edge label: each edge whole to one member, in order, through every node in turn', async () => {
    const { backend, nodes, ingests } = await startCluster(
      cleanup,
      '\n\tclustering {\n\t\tshard_by_labels = ["agent"]\n\t}\n',
    )
    // Five edges of twelve series each; an edge's push carries only its own series, as an agent's does.
    const edges = 5
    const edgeSeries = (agent: number): Label[][] =>
      Array.from({ length: 12 }, (_, i) => [
        { name: '__name__', value: 'cluster_key_test' },
        { name: 'agent', value: `edge-${agent}` },
        { name: 'series', value: String(i) },
      ])
    const start = Date.now() - 10 * 60_000
    // Request r is edge r mod 5's next push, sent to node r mod 3: each edge goes through all three nodes.
    const rounds = 6
    for (let r = 0; r < edges * rounds; r++) {
      const sender = new SequentialSender(ingests[r % 3]!, edgeSeries(r % edges), start + r * 1000)
      await sender.send(1, 30_000)
    }
    const counts = await waitForSampleCounts(backend.url, 'cluster_key_test', edges * 12, rounds, 30_000)
    assert.equal(counts.length, edges * 12)
    assert.ok((await forwardsWithoutDrops(nodes)) > 0, 'edges owned by other members were forwarded to them')

    // Each edge's series left through one node: the nodes' WAL appends add up to one per push, not more.
    let appended = 0
    for (const node of nodes) {
      const text = await (await fetch(`${node.url}/metrics`)).text()
      for (const m of text.matchAll(/^sluice_wal_append_duration_seconds_count(?:\{[^}]*\})? (\d+)/gm))
        appended += Number(m[1])
    }
    assert.equal(appended, edges * rounds, 'one WAL record per push: no push was split among owners')
  })
})
