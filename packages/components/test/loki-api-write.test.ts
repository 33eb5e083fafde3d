import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { Controller } from '@sluice/runtime'
import { encodeLokiJson, encodeLokiPush, type LokiPushRequest, snappyEncode } from '@sluice/wire'
import { builtinComponents } from '../src/index.ts'
import { eventually, FakeLoki, Node, tempDir, until } from './loki-helpers.ts'

const push = (app: string, lines: string[], startNs = 1_000_000_000n): LokiPushRequest => ({
  streams: [
    {
      labels: [{ name: 'app', value: app }],
      entries: lines.map((line, i) => ({ timestampNs: startNs + BigInt(i), line, structuredMetadata: [] })),
    },
  ],
})

function config(url: string, extra = ''): string {
  return `
loki.source.api "ingest" {
  http {
    listen_address = "127.0.0.1"
    listen_port    = 0
  }
  labels     = { source = "edge" }
  forward_to = [loki.write.to_backend.receiver]
  ${extra}
}

loki.write "to_backend" {
  endpoint {
    url                = "${url}"
    tenant_id          = "tenant-1"
    batch_wait         = "10ms"
    min_backoff_period = "10ms"
    max_backoff_period = "50ms"
  }
  external_labels = { cluster = "eu-1", source = "ignored: the stream's label wins" }
}
`
}

describe('loki.source.api -> loki.write', () => {
  let dir: ReturnType<typeof tempDir>
  let node: Node
  let loki: FakeLoki
  let base: string

  async function boot(extra = '', script: number[] = []): Promise<void> {
    loki = new FakeLoki(script)
    const url = await loki.listen()
    await node.controller.apply(config(url, extra), 'test.alloy')
    base = `http://127.0.0.1:${node.http.boundPort(0)}`
  }

  const post = (
    path: string,
    body: Uint8Array | string,
    headers: Record<string, string>,
  ): Promise<Response> => fetch(`${base}${path}`, { method: 'POST', body, headers })

  beforeEach(() => {
    dir = tempDir()
    node = new Node(dir.path)
  })

  afterEach(async () => {
    await node.stop()
    await loki.close()
    dir.remove()
  })

  test('a protobuf push arrives at Loki with its labels, the configured labels and its lines in order', async () => {
    await boot()
    for (let i = 0; i < 3; i++) {
      const res = await post(
        '/loki/api/v1/push',
        snappyEncode(encodeLokiPush(push('web', [`line ${i}a`, `line ${i}b`]))),
        {
          'content-type': 'application/x-protobuf',
        },
      )
      assert.equal(res.status, 204)
    }
    await until(() => loki.entries() === 6)
    assert.deepEqual(loki.lines().get('app=web,cluster=eu-1,source=edge'), [
      'line 0a',
      'line 0b',
      'line 1a',
      'line 1b',
      'line 2a',
      'line 2b',
    ])
    assert.equal(loki.received[0]!.headers['x-scope-orgid'], 'tenant-1')
    assert.equal(
      await node.metric('sluice_loki_received_entries_total', { component: 'loki.source.api.ingest' }),
      6,
    )
    await eventually(async () => (await node.metric('sluice_loki_sent_entries_total')) === 6)
  })

  test('JSON pushes, plain or gzip-compressed, and the /api/v1/push alias are accepted', async () => {
    await boot()
    assert.equal(
      (
        await post('/loki/api/v1/push', encodeLokiJson(push('json', ['plain'])), {
          'content-type': 'application/json',
        })
      ).status,
      204,
    )
    const gz = gzipSync(encodeLokiJson(push('json', ['gzipped'])))
    assert.equal(
      (
        await post('/loki/api/v1/push', gz, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        })
      ).status,
      204,
    )
    assert.equal(
      (
        await post('/api/v1/push', encodeLokiJson(push('json', ['alias'])), {
          'content-type': 'application/json',
        })
      ).status,
      204,
    )
    await until(() => loki.entries() === 3)
    assert.deepEqual(loki.lines().get('app=json,cluster=eu-1,source=edge'), ['plain', 'gzipped', 'alias'])
  })

  test('entries are stamped with the receive time unless use_incoming_timestamp is set', async () => {
    await boot()
    const before = BigInt(Date.now()) * 1_000_000n
    await post('/loki/api/v1/push', encodeLokiJson(push('ts', ['a', 'b'])), {
      'content-type': 'application/json',
    })
    await until(() => loki.entries() === 2)
    const stamped = loki.received[0]!.push.streams[0]!.entries.map((e) => e.timestampNs)
    assert.ok(stamped[0]! >= before && stamped[1]! > stamped[0]!, 'receive times, increasing')
    await node.stop()
    await loki.close()
    node = new Node(dir.path)
    await boot('use_incoming_timestamp = true')
    await post('/loki/api/v1/push', encodeLokiJson(push('ts', ['c'], 42n)), {
      'content-type': 'application/json',
    })
    await until(() => loki.entries() === 1)
    assert.equal(loki.received[0]!.push.streams[0]!.entries[0]!.timestampNs, 42n)
  })

  test('malformed bodies get 400 with a message, oversized ones 413, unknown encodings 415', async () => {
    await boot('max_send_message_size = "1KiB"')
    const badProto = await post('/loki/api/v1/push', snappyEncode(new Uint8Array([0x0a, 0xff, 0xff])), {
      'content-type': 'application/x-protobuf',
    })
    assert.equal(badProto.status, 400)
    assert.match(await badProto.text(), /\S/)
    const badSnappy = await post('/loki/api/v1/push', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), {
      'content-type': 'application/x-protobuf',
    })
    assert.equal(badSnappy.status, 400)
    const badJson = await post('/loki/api/v1/push', '{"streams": [{"stream": {"a": 1}}]}', {
      'content-type': 'application/json',
    })
    assert.equal(badJson.status, 400)
    assert.match(await badJson.text(), /streams\[0\]/)
    const big = await post('/loki/api/v1/push', 'x'.repeat(2048), { 'content-type': 'application/json' })
    assert.equal(big.status, 413)
    const bomb = gzipSync(encodeLokiJson(push('big', ['y'.repeat(4096)])))
    assert.equal(
      (
        await post('/loki/api/v1/push', bomb, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        })
      ).status,
      413,
    )
    assert.equal(
      (
        await post('/loki/api/v1/push', '{}', {
          'content-type': 'application/json',
          'content-encoding': 'br',
        })
      ).status,
      415,
    )
    assert.equal(loki.entries(), 0)
  })

  test('the raw endpoint takes one entry per line with the configured labels, and /ready answers', async () => {
    await boot()
    assert.equal(
      (await post('/loki/api/v1/raw', 'first\r\n\nsecond\n', { 'content-type': 'text/plain' })).status,
      204,
    )
    await until(() => loki.entries() === 2)
    assert.deepEqual(loki.lines().get('cluster=eu-1,source=edge'), ['first', 'second'])
    const ready = await fetch(`${base}/ready`)
    assert.equal(ready.status, 200)
    assert.equal(await ready.text(), 'ready')
  })

  test('a backend 500 delays delivery without losing entries', async () => {
    await boot('', [500, 500])
    await post('/loki/api/v1/push', encodeLokiJson(push('retry', ['kept'])), {
      'content-type': 'application/json',
    })
    await until(() => loki.entries() === 1)
    assert.deepEqual(loki.statuses, [500, 500, 204])
    assert.deepEqual(loki.lines().get('app=retry,cluster=eu-1,source=edge'), ['kept'])
  })

  test('a backend 400 drops the batch and counts it', async () => {
    await boot('', [400])
    await post('/loki/api/v1/push', encodeLokiJson(push('refused', ['x', 'y'])), {
      'content-type': 'application/json',
    })
    await until(() => loki.statuses.length === 1)
    await eventually(
      async () => (await node.metric('sluice_loki_dropped_entries_total', { reason: 'http_4xx' })) === 2,
    )
    assert.equal(loki.entries(), 0)
  })

  test('forward_to naming something other than a logs receiver is a config error', async () => {
    loki = new FakeLoki()
    await assert.rejects(
      node.controller.apply(
        `
prometheus.remote_write "m" {
  endpoint { url = "http://127.0.0.1:1/api/v1/write" }
}
loki.source.api "ingest" {
  http { listen_port = 0 }
  forward_to = [prometheus.remote_write.m.receiver]
}`,
        'bad.alloy',
      ),
      /not a logs receiver/,
    )
  })
})

describe('seed log configurations', () => {
  for (const file of ['edge-logs.alloy', 'proxy-logs.alloy']) {
    test(`${file} validates against the built-in components`, () => {
      const path = join(import.meta.dirname, '../../../examples/seed', file)
      assert.deepEqual(Controller.validate(readFileSync(path, 'utf8'), path, builtinComponents()), [])
    })
  }
})
