import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { after, describe, test } from 'node:test'
import { decodeLokiPush, encodeLokiPush, type LokiStream, snappyDecode, snappyEncode } from '@sluice/wire'
import { startClusterNodes } from './lib/peers.ts'
import { Cleanup, freePort, waitFor } from './lib/process.ts'

/** One entry as the fake Loki saw it: which node sent it, and the line. */
interface Arrival {
  node: string
  line: string
  timestampNs: bigint
}

/** A Loki push endpoint that records, per stream, every entry in arrival order and the node that sent it. */
async function startFakeLoki(cleanup: Cleanup): Promise<{ url: string; streams: Map<string, Arrival[]> }> {
  const streams = new Map<string, Arrival[]>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const node = String(req.headers['x-test-node'])
      for (const s of decodeLokiPush(snappyDecode(Buffer.concat(chunks))).streams) {
        const key = s.labels.map((l) => `${l.name}=${l.value}`).join(',')
        const list = streams.get(key) ?? []
        for (const e of s.entries) list.push({ node, line: e.line, timestampNs: e.timestampNs })
        streams.set(key, list)
      }
      res.writeHead(204).end()
    })
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  cleanup.add(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  return { url: `http://127.0.0.1:${port}/loki/api/v1/push`, streams }
}

function config(ingestPort: number, lokiUrl: string, node: string): string {
  return `loki.source.api "edge" {
  http {
    listen_address = "127.0.0.1"
    listen_port    = ${ingestPort}
  }
  use_incoming_timestamp = true
  forward_to             = [loki.write.backend.receiver]
}

loki.write "backend" {
  endpoint {
    url        = "${lokiUrl}"
    batch_wait = "100ms"
    headers    = { "X-Test-Node" = "${node}" }
  }
}
`
}

/** POSTs a push, retrying a 503 (a hand-over settling) within a bounded time; returns the 503s seen. */
async function push(url: string, streams: LokiStream[], timeoutMs = 10_000): Promise<number> {
  const body = snappyEncode(encodeLokiPush({ streams }))
  const deadline = Date.now() + timeoutMs
  for (let retries = 0; ; retries++) {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf' },
    })
    const text = await res.text()
    if (res.status === 204) return retries
    if (res.status !== 503 || Date.now() > deadline) throw new Error(`push to ${url}: ${res.status} ${text}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('three clustered nodes running loki.source.api behind round-robin', () => {
  const cleanup = new Cleanup()
  after(() => cleanup.run())

  test('every stream reaches Loki whole, in push order, and from its owner only', async () => {
    const loki = await startFakeLoki(cleanup)
    const { nodes, ingestPorts } = await startClusterNodes(cleanup, 3, (i, port) =>
      config(port, loki.url, `node-${i}`),
    )
    const pushUrl = (r: number) => `http://127.0.0.1:${ingestPorts[r % 3]}/loki/api/v1/push`
    // A probe through every node, retried while the hand-over that followed the last join settles.
    for (let r = 0; r < 3; r++)
      await push(pushUrl(r), [
        {
          labels: [{ name: 'probe', value: String(r) }],
          entries: [{ timestampNs: 1n, line: 'probe', structuredMetadata: [] }],
        },
      ])

    const streamCount = 45
    const requests = 12
    const start = BigInt(Date.now() - 60_000) * 1_000_000n
    let retried = 0
    // Request r goes to node r mod 3, as a round-robin balancer sends it; it carries entry r of every stream.
    for (let r = 0; r < requests; r++) {
      const streams: LokiStream[] = Array.from({ length: streamCount }, (_, s) => ({
        labels: [
          { name: 'app', value: 'cluster-loki' },
          { name: 'stream', value: String(s) },
        ],
        entries: [
          {
            timestampNs: start + BigInt(r) * 1_000_000n,
            line: `stream ${s} entry ${r}`,
            structuredMetadata: [],
          },
        ],
      }))
      retried += await push(pushUrl(r), streams)
    }

    const key = (s: number) => `app=cluster-loki,stream=${s}`
    await waitFor(
      `all ${requests} entries of every stream at Loki`,
      async () => {
        for (let s = 0; s < streamCount; s++)
          if ((loki.streams.get(key(s))?.length ?? 0) < requests) return undefined
        return true
      },
      20_000,
      100,
    )
    // Late duplicates or strays would show here: let any still-queued batch arrive.
    await new Promise((r) => setTimeout(r, 500))

    const senders = new Set<string>()
    for (let s = 0; s < streamCount; s++) {
      const arrivals = loki.streams.get(key(s))!
      assert.deepEqual(
        arrivals.map((a) => a.line),
        Array.from({ length: requests }, (_, r) => `stream ${s} entry ${r}`),
        `stream ${s}: every entry once, in push order${retried > 0 ? ` (${retried} pushes retried)` : ''}`,
      )
      const from = new Set(arrivals.map((a) => a.node))
      assert.equal(from.size, 1, `stream ${s} left the cluster through one node, not ${[...from].join(', ')}`)
      senders.add([...from][0]!)
    }
    assert.equal(senders.size, 3, 'the streams are owned by all three nodes')

    let forwarded = 0
    for (const node of nodes) {
      const text = await (await fetch(`${node.url}/metrics`)).text()
      forwarded += Number(/sluice_cluster_forwards_total\{result="ok"\} (\d+)/.exec(text)?.[1] ?? 0)
    }
    // Each request has streams of the two other owners, whichever node it reached.
    assert.ok(forwarded >= requests * 2, `streams owned by other members were forwarded (${forwarded})`)
  })
})
