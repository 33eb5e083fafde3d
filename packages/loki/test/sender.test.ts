import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, test } from 'node:test'
import type { DeliveryHold } from '@sluice/contracts'
import { ManualHold } from '@sluice/contracts/testing'
import { Registry } from '@sluice/telemetry'
import { Wal } from '@sluice/wal'
import type { LokiStream } from '@sluice/wire'
import { DEFAULT_ENDPOINT, LokiOptionsError, LokiSender, recordsByShard } from '../src/index.ts'
import { FakeLoki } from '../src/testing/fake-loki.ts'

const SHARDS = 4

function stream(app: string, lines: string[], startNs = 1_000n): LokiStream {
  return {
    labels: [{ name: 'app', value: app }],
    entries: lines.map((line, i) => ({ timestampNs: startNs + BigInt(i), line, structuredMetadata: [] })),
  }
}

async function append(wal: Wal, streams: LokiStream[]): Promise<void> {
  for (const [shard, record] of recordsByShard(streams, SHARDS)) await wal.append(shard, [record])
}

function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  return registry
    .getSingleMetric(name)!
    .get()
    .then((m) =>
      m.values
        .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
        .reduce((sum, v) => sum + v.value, 0),
    )
}

describe('LokiSender', () => {
  let dir: string
  let wal: Wal
  let loki: FakeLoki
  let sender: LokiSender | undefined
  let registry: Registry

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-loki-'))
    wal = await Wal.open({ path: join(dir, 'wal'), shards: SHARDS })
    registry = new Registry()
  })

  afterEach(async () => {
    await sender?.stop({ drainTimeoutMs: 100 })
    sender = undefined
    await wal.close()
    await loki.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function start(
    script: number[],
    overrides: Partial<typeof DEFAULT_ENDPOINT> & { tenantId?: string; hold?: DeliveryHold } = {},
  ): Promise<void> {
    loki = new FakeLoki(script)
    const url = await loki.listen()
    sender = new LokiSender({
      ...DEFAULT_ENDPOINT,
      batchWaitMs: 5,
      minBackoffMs: 5,
      maxBackoffMs: 20,
      url,
      component: 'loki.write.test',
      registry,
      wal,
      ...overrides,
    })
    sender.start()
  }

  test('posts snappy protobuf with the tenant header and keeps every stream in order', async () => {
    await start([], { tenantId: 'team-a' })
    for (let i = 0; i < 5; i++) await append(wal, [stream('a', [`a${i}`]), stream('b', [`b${i}`, `b${i}'`])])
    await loki.waitFor(
      () => (loki.lines().get('app=b')?.length ?? 0) === 10 && (loki.lines().get('app=a')?.length ?? 0) === 5,
    )
    assert.deepEqual(loki.lines().get('app=a'), ['a0', 'a1', 'a2', 'a3', 'a4'])
    assert.deepEqual(loki.lines().get('app=b'), [
      'b0',
      "b0'",
      'b1',
      "b1'",
      'b2',
      "b2'",
      'b3',
      "b3'",
      'b4',
      "b4'",
    ])
    const headers = loki.received[0]!.headers
    assert.equal(headers['content-type'], 'application/x-protobuf')
    assert.equal(headers['x-scope-orgid'], 'team-a')
    assert.equal(headers['content-encoding'], undefined)
    // The WAL empties once the sender has counted and acknowledged what Loki accepted.
    await loki.waitFor(() => wal.stats().records === 0)
    assert.equal(await metric(registry, 'sluice_loki_sent_entries_total'), 15)
  })

  test('a delivery hold keeps batches in the WAL until it lifts', async () => {
    const hold = new ManualHold()
    await start([], { hold })
    await append(wal, [stream('a', ['one', 'two'])])
    await loki.waitFor(() => hold.waits === 1)
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal(loki.received.length, 0, 'nothing is sent while held')
    hold.lift()
    await loki.waitFor(() => (loki.lines().get('app=a')?.length ?? 0) === 2)
    assert.deepEqual(loki.lines().get('app=a'), ['one', 'two'])
    await loki.waitFor(() => wal.stats().records === 0)
  })

  test('retries a 500 and delivers the batch once the backend recovers', async () => {
    await start([500, 503])
    await append(wal, [stream('a', ['one', 'two'])])
    await loki.waitFor(() => loki.received.length === 1)
    assert.deepEqual(loki.statuses, [500, 503, 204])
    assert.deepEqual(loki.lines().get('app=a'), ['one', 'two'])
    assert.equal(await metric(registry, 'sluice_loki_retries_total', { reason: 'http_5xx' }), 2)
    assert.equal(await metric(registry, 'sluice_loki_dropped_entries_total'), 0)
  })

  test('drops and counts a batch the backend refuses with 400, then sends the next', async () => {
    await start([400])
    await append(wal, [stream('a', ['bad', 'bad2'])])
    await loki.waitFor(() => loki.statuses.length === 1)
    await append(wal, [stream('a', ['good'])])
    await loki.waitFor(() => loki.received.length === 1)
    assert.deepEqual(loki.lines().get('app=a'), ['good'])
    assert.equal(await metric(registry, 'sluice_loki_dropped_entries_total', { reason: 'http_4xx' }), 2)
    await loki.waitFor(() => wal.stats().records === 0)
  })

  test('gives up after max_backoff_retries attempts and counts the entries dropped', async () => {
    await start([500, 500, 500, 500], { maxBackoffRetries: 3 })
    await append(wal, [stream('a', ['lost'])])
    await loki.waitFor(() => loki.statuses.length === 3)
    await loki.waitFor(() => wal.stats().records === 0)
    assert.equal(
      await metric(registry, 'sluice_loki_dropped_entries_total', { reason: 'retries_exhausted' }),
      1,
    )
    assert.equal(loki.received.length, 0)
  })

  test('drops a 429 at once when retry_on_http_429 is false', async () => {
    await start([429], { retryOnHttp429: false })
    await append(wal, [stream('a', ['limited'])])
    await loki.waitFor(() => wal.stats().records === 0)
    assert.equal(await metric(registry, 'sluice_loki_dropped_entries_total', { reason: 'rate_limited' }), 1)
    assert.deepEqual(loki.statuses, [429])
  })

  test('refuses a URL that is not http', () => {
    loki = new FakeLoki()
    assert.throws(
      () => new LokiSender({ ...DEFAULT_ENDPOINT, url: 'ftp://x/', component: 'c', wal }),
      (err) => err instanceof LokiOptionsError && err.code === 'SLUICE_ERR_LOKI_OPTIONS',
    )
  })
})
