import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, test } from 'node:test'
import { MetricsPipeline } from '@sluice/pipeline'
import { Controller } from '@sluice/runtime'
import { nullLogger, Registry } from '@sluice/telemetry'
import { decodeWriteRequest, encodeWriteRequest, snappyDecode, snappyEncode } from '@sluice/wire'
import { builtinComponents, HttpServers, type NodeServices, WRITE_PATH } from '../src/index.ts'
import { tempDir, until } from './loki-helpers.ts'

/** A remote-write backend that records the metric names of every series it receives. */
async function backend(): Promise<{ url: string; names: string[]; close: () => Promise<void> }> {
  const names: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      for (const s of decodeWriteRequest(snappyDecode(Buffer.concat(chunks))).timeseries)
        names.push(s.labels.find((l) => l.name === '__name__')!.value)
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`
  return {
    url,
    names,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

const cleanups: (() => Promise<void> | void)[] = []
after(async () => {
  for (const c of cleanups.reverse()) await c()
})

test('a remote_write with two endpoints accepts a push and delivers every series to both', async () => {
  const dir = tempDir()
  cleanups.push(dir.remove)
  const [a, b] = [await backend(), await backend()]
  cleanups.push(a.close, b.close)
  const http = new HttpServers(nullLogger)
  const pipeline = new MetricsPipeline({ threads: 1 })
  const services: NodeServices = {
    http,
    pipeline,
    sinks: new Map(),
    mains: new Map(),
    logIngest: new Map(),
    logSinks: new Map(),
    cluster: undefined,
    logger: nullLogger,
    version: 'test',
    lifecycle: { draining: false },
  }
  const controller = new Controller({
    registry: builtinComponents(),
    services,
    logger: nullLogger,
    metrics: new Registry(),
    dataPath: dir.path,
  })
  cleanups.push(async () => {
    await controller.stop()
    await http.close()
    await pipeline.close()
  })
  const endpoint = (url: string, name: string) => `
  endpoint {
    name = "${name}"
    url  = "${url}"
    queue_config { batch_send_deadline = "10ms" }
  }`
  await controller.apply(
    `
prometheus.receive_http "in" {
  http {
    listen_address = "127.0.0.1"
    listen_port    = 0
  }
  forward_to = [prometheus.remote_write.out.receiver]
}

prometheus.remote_write "out" {${endpoint(a.url, 'a')}${endpoint(b.url, 'b')}
}
`,
    'test.alloy',
  )
  const body = encodeWriteRequest({
    timeseries: ['m_one', 'm_two', 'm_three'].map((name) => ({
      labels: [{ name: '__name__', value: name }],
      samples: [{ value: 1, timestamp: Date.now() }],
    })),
  })
  const res = await fetch(`http://127.0.0.1:${http.boundPort(0)}${WRITE_PATH}`, {
    method: 'POST',
    body: snappyEncode(body),
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
  })
  assert.equal(res.status, 204, await res.text())
  await until(() => a.names.length >= 3 && b.names.length >= 3)
  assert.deepEqual(a.names.sort(), ['m_one', 'm_three', 'm_two'])
  assert.deepEqual(b.names.sort(), ['m_one', 'm_three', 'm_two'])
})
