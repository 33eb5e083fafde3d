import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { startBackend, startSluice, waitForOwners, waitForSampleCounts } from './lib/peers.ts'
import { Cleanup, freePort } from './lib/process.ts'
import { SequentialSender } from './lib/push.ts'

function clusterConfig(ingestPort: number, backendUrl: string): string {
  return `prometheus.receive_http "ingest" {\n\thttp {\n\t\tlisten_address = "127.0.0.1"\n\t\tlisten_port    = ${ingestPort}\n\t}\n\tforward_to = [prometheus.remote_write.backend.receiver]\n}\n\nprometheus.remote_write "backend" {\n\tendpoint {\n\t\turl = "${backendUrl}/api/v1/write"\n\n\t\tqueue_config {\n\t\t\tbatch_send_deadline = "200ms"\n\t\t}\n\t}\n}\n`
}

describe('three clustered nodes behind round-robin, in front of a Prometheus that rejects out-of-order samples', () => {
  const cleanup = new Cleanup()
  after(() => cleanup.run())

  test('every request spread over all nodes arrives whole and in order, routed through the series owners', async () => {
    const backend = await startBackend(cleanup)
    const clusterPorts = [await freePort(), await freePort(), await freePort()]
    const ingestPorts = [await freePort(), await freePort(), await freePort()]
    const nodes: Awaited<ReturnType<typeof startSluice>>[] = []
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startSluice(cleanup, clusterConfig(ingestPorts[i]!, backend.url), {
          args: [
            '--cluster.enabled',
            `--cluster.listen-addr=127.0.0.1:${clusterPorts[i]}`,
            `--cluster.node-name=node-${i}`,
            `--cluster.join-addresses=127.0.0.1:${clusterPorts[0]}`,
          ],
        }),
      )
    }
    await waitForOwners(nodes, 3)

    const series = Array.from({ length: 60 }, (_, i) => [
      { name: '__name__', value: 'cluster_order_test' },
      { name: 'series', value: String(i) },
    ])
    const start = Date.now() - 10 * 60_000
    // Request r goes to node r mod 3, as a round-robin balancer sends it; each carries the next sample of every series.
    const requests = 12
    for (let r = 0; r < requests; r++) {
      const sender = new SequentialSender(
        `http://127.0.0.1:${ingestPorts[r % 3]}/api/v1/metrics/write`,
        series,
        start + r * 1000,
      )
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

    let forwarded = 0
    for (const node of nodes) {
      const text = await (await fetch(`${node.url}/metrics`)).text()
      forwarded += Number(/sluice_cluster_forwards_total\{result="ok"\} (\d+)/.exec(text)?.[1] ?? 0)
      // The backend's out-of-order rejections would show as dropped 4xx batches here.
      assert.doesNotMatch(text, /sluice_remote_write_dropped_samples_total\{[^}]*\} [1-9]/)
    }
    assert.ok(forwarded > 0, 'series owned by other members were forwarded to them')
  })
})
