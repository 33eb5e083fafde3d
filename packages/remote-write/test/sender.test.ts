import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { isSluiceError } from '@sluice/contracts'
import { ManualHold } from '@sluice/contracts/testing'
import { Registry } from '@sluice/telemetry'
import { Wal } from '@sluice/wal'
import { snappyEncode } from '@sluice/wire'
import { type QueueConfig, RemoteWriteSender, type SenderOptions } from '../src/index.ts'
import { FakeBackend } from './helpers/backend.ts'
import { encodeWriteRequest } from './helpers/prom.ts'
import { fastQueue, metricValue, range, record, tempDir } from './helpers/setup.ts'

interface Rig {
  wal: Wal
  backend: FakeBackend
  registry: Registry
  sender: (
    queue?: Partial<QueueConfig>,
    extra?: Partial<Pick<SenderOptions, 'remoteTimeoutMs' | 'hold' | 'shardMode' | 'onWantedShards'>>,
  ) => RemoteWriteSender
}

/** A WAL, a fake backend listening on `port` (unless `listen` is false) and a sender factory. */
async function rig(t: TestContext, port: number, shards: number, listen = true): Promise<Rig> {
  const wal = await Wal.open({ path: await tempDir(t), shards })
  const backend = new FakeBackend()
  if (listen) await backend.listen(port)
  const registry = new Registry()
  const senders: RemoteWriteSender[] = []
  t.after(async () => {
    await Promise.all(senders.map((s) => s.stop({ drainTimeoutMs: 100 })))
    await backend.close()
    await wal.close()
  })
  return {
    wal,
    backend,
    registry,
    sender: (queue = {}, extra = {}) => {
      const sender = new RemoteWriteSender({
        url: `http://127.0.0.1:${port}/api/v1/write?tenant=a`,
        component: 'prometheus.remote_write.test',
        headers: { 'X-Scope-OrgID': 'team-a' },
        bearerToken: 'secret',
        queue: fastQueue(queue),
        registry,
        wal,
        ...extra,
      })
      senders.push(sender)
      return sender
    },
  }
}

const labels = {
  component: 'prometheus.remote_write.test',
  url: 'http://127.0.0.1:21010/api/v1/write?tenant=a',
}

test('sends WAL records as one snappy request with the headers Prometheus sends, then deletes them', async (t) => {
  const { wal, backend, registry, sender } = await rig(t, 21010, 1)
  await wal.append(0, [record(0, 0), record(0, 1), record(0, 2)])
  sender().start()
  await backend.waitFor(() => backend.accepted.length === 1)
  const [request] = backend.accepted
  assert.equal(request!.headers['content-encoding'], 'snappy')
  assert.equal(request!.headers['content-type'], 'application/x-protobuf')
  assert.equal(request!.headers['x-prometheus-remote-write-version'], '0.1.0')
  assert.equal(request!.headers['user-agent'], 'Sluice/0.1.0')
  assert.equal(request!.headers['x-scope-orgid'], 'team-a')
  assert.equal(request!.headers.authorization, 'Bearer secret')
  assert.deepEqual(backend.acceptedOf(0), [0, 1, 2])
  assert.deepEqual(request!.series[2]!.samples, [{ value: 2, timestamp: 2 }])
  await backend.waitFor(() => wal.stats().records === 0)
  assert.equal(await metricValue(registry, 'sluice_remote_write_sent_samples_total', labels), 3)
  assert.equal(await metricValue(registry, 'sluice_remote_write_queue_records', labels), 0)
})

test('batches hold at most max_samples_per_send samples', async (t) => {
  const { wal, backend, sender } = await rig(t, 21011, 1)
  await wal.append(
    0,
    range(0, 7).map((n) => record(0, n)),
  )
  sender({ max_samples_per_send: 3 }).start()
  await backend.waitFor(() => backend.acceptedOf(0).length === 7)
  assert.deepEqual(
    backend.accepted.map((r) => r.series.length),
    [3, 3, 1],
  )
})

test('each shard stays in order, without loss or duplicates, through 5xx retries', async (t) => {
  const { wal, backend, registry, sender } = await rig(t, 21012, 2)
  // Every third request fails: retries interleave with new appends on both shards.
  backend.reply = (_request, index) =>
    index % 3 === 1 ? { status: 500, body: 'try later' } : { status: 200 }
  sender({ max_samples_per_send: 4 }).start()
  for (let n = 0; n < 40; n += 5) {
    await Promise.all(
      [0, 1].map((shard) =>
        wal.append(
          shard,
          range(n, n + 5).map((i) => record(shard, i)),
        ),
      ),
    )
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await backend.waitFor(() => backend.acceptedOf(0).length + backend.acceptedOf(1).length >= 80)
  await new Promise((resolve) => setTimeout(resolve, 50)) // a duplicate would arrive now
  assert.deepEqual(backend.acceptedOf(0), range(0, 40))
  assert.deepEqual(backend.acceptedOf(1), range(0, 40))
  const retries = await metricValue(registry, 'sluice_remote_write_retries_total', {
    ...labels,
    url: labels.url.replace('21010', '21012'),
    reason: 'http_5xx',
  })
  assert.ok(retries !== undefined && retries > 0)
})

test('a 429 is retried after the wait its Retry-After asks for', async (t) => {
  const { wal, backend, sender } = await rig(t, 21013, 1)
  backend.reply = (_request, index) =>
    index === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' } : { status: 200 }
  await wal.append(0, [record(0, 0)])
  sender().start()
  await backend.waitFor(() => backend.accepted.length === 1)
  const waited = backend.seen[1]!.at - backend.seen[0]!.at
  // min/max backoff are 5/40 ms here: only Retry-After explains a wait of a second.
  assert.ok(waited >= 990 && waited < 1500, `waited ${waited} ms`)
  assert.deepEqual(backend.acceptedOf(0), [0])
})

test('a 400 drops the batch, counts its samples and moves on', async (t) => {
  const { wal, backend, registry, sender } = await rig(t, 21014, 1)
  backend.reply = (_request, index) =>
    index === 0 ? { status: 400, body: 'out of order sample' } : { status: 200 }
  await wal.append(0, [{ payload: record(0, 0).payload, samples: 1 }, record(0, 1)])
  sender({ max_samples_per_send: 2 }).start()
  await backend.waitFor(() => wal.stats().records === 0)
  await wal.append(0, [record(0, 2)])
  await backend.waitFor(() => backend.accepted.length === 1)
  assert.equal(backend.seen.length, 2, 'the rejected batch was not retried')
  assert.deepEqual(backend.acceptedOf(0), [2])
  const dropped = await metricValue(registry, 'sluice_remote_write_dropped_samples_total', {
    url: labels.url.replace('21010', '21014'),
    reason: 'http_4xx',
  })
  assert.equal(dropped, 2)
})

test('a 429 is dropped like a 4xx when retry_on_http_429 is false', async (t) => {
  const { wal, backend, sender } = await rig(t, 21015, 1)
  backend.reply = () => ({ status: 429 })
  await wal.append(0, [record(0, 0)])
  sender({ retry_on_http_429: false }).start()
  await backend.waitFor(() => wal.stats().records === 0)
  assert.equal(backend.seen.length, 1)
})

test('a backend that is down at start receives everything, in order, once it is up', async (t) => {
  const port = 21016
  const { wal, backend, registry, sender } = await rig(t, port, 2, false)
  sender({ max_samples_per_send: 3 }).start()
  for (const shard of [0, 1])
    await wal.append(
      shard,
      range(0, 10).map((n) => record(shard, n)),
    )
  await new Promise((resolve) => setTimeout(resolve, 150))
  assert.equal(wal.stats().records, 20, 'nothing is deleted while the backend is down')
  await backend.listen(port)
  await backend.waitFor(() => backend.acceptedOf(0).length + backend.acceptedOf(1).length >= 20)
  assert.deepEqual(backend.acceptedOf(0), range(0, 10))
  assert.deepEqual(backend.acceptedOf(1), range(0, 10))
  const retries = await metricValue(registry, 'sluice_remote_write_retries_total', { reason: 'network' })
  assert.ok(retries !== undefined && retries > 0)
})

test('a request without an answer times out after remoteTimeoutMs and is retried', async (t) => {
  const { wal, backend, registry, sender } = await rig(t, 21017, 1)
  backend.reply = (_request, index) => (index === 0 ? { status: 200, delayMs: 2000 } : { status: 200 })
  await wal.append(0, [record(0, 0)])
  sender({}, { remoteTimeoutMs: 100 }).start()
  await backend.waitFor(() => backend.seen.length === 2 && wal.stats().records === 0)
  assert.ok(backend.seen[1]!.at - backend.seen[0]!.at >= 95)
  assert.equal(await metricValue(registry, 'sluice_remote_write_retries_total', { reason: 'timeout' }), 1)
})

test('a batch that is not full waits for batch_send_deadline, a full one goes at once', async (t) => {
  const { wal, backend, sender } = await rig(t, 21018, 1)
  sender({ batch_send_deadline_ms: 300, max_samples_per_send: 2 }).start()
  const started = performance.now()
  await wal.append(0, [record(0, 0), record(0, 1)])
  await backend.waitFor(() => backend.accepted.length === 1)
  assert.ok(backend.accepted[0]!.at - started < 250, 'the full batch did not wait')
  const lone = performance.now()
  await wal.append(0, [record(0, 2)])
  await backend.waitFor(() => backend.accepted.length === 2)
  assert.ok(backend.accepted[1]!.at - lone >= 280, 'the lone record waited for the deadline')
  assert.deepEqual(backend.acceptedOf(0), [0, 1, 2])
})

test('stop waits for the request in flight, leaves the rest in the WAL, and a new sender delivers it once', async (t) => {
  const port = 21019
  const path = await tempDir(t)
  const backend = new FakeBackend()
  await backend.listen(port)
  t.after(() => backend.close())
  backend.reply = () => ({ status: 200, delayMs: 150 })
  const options = {
    url: `http://127.0.0.1:${port}/write`,
    component: 'c',
    queue: fastQueue({ max_samples_per_send: 5 }),
  }

  const first = await Wal.open({ path, shards: 1 })
  await first.append(
    0,
    range(0, 15).map((n) => record(0, n)),
  )
  const sender = new RemoteWriteSender({ ...options, wal: first })
  sender.start()
  await backend.waitFor(() => backend.seen.length === 1)
  await sender.stop()
  assert.deepEqual(backend.acceptedOf(0), range(0, 5), 'the request in flight completed')
  assert.equal(first.stats().records, 10, 'the in-flight batch was acknowledged, the rest kept')
  await first.close()

  backend.reply = () => ({ status: 200 })
  const reopened = await Wal.open({ path, shards: 1 })
  t.after(() => reopened.close())
  const next = new RemoteWriteSender({ ...options, wal: reopened })
  next.start()
  t.after(() => next.stop())
  await backend.waitFor(() => reopened.stats().records === 0)
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.deepEqual(backend.acceptedOf(0), range(0, 15))
})

test('stop cancels a request that outlives the drain timeout and keeps its batch', async (t) => {
  const { wal, backend, sender } = await rig(t, 21020, 1)
  backend.reply = () => ({ status: 200, delayMs: 3000 })
  await wal.append(0, [record(0, 0)])
  const s = sender()
  s.start()
  await backend.waitFor(() => backend.seen.length === 1)
  const started = performance.now()
  await s.stop({ drainTimeoutMs: 50 })
  assert.ok(performance.now() - started < 1000)
  assert.equal(wal.stats().records, 1)
})

test('samples older than sample_age_limit are dropped instead of sent', async (t) => {
  const { wal, backend, registry, sender } = await rig(t, 21021, 1)
  await wal.append(0, [record(0, 0)])
  await new Promise((resolve) => setTimeout(resolve, 60))
  await wal.append(0, [record(0, 1)])
  sender({ sample_age_limit_ms: 40 }).start()
  await backend.waitFor(() => wal.stats().records === 0 && backend.accepted.length === 1)
  assert.deepEqual(backend.acceptedOf(0), [1])
  assert.equal(
    await metricValue(registry, 'sluice_remote_write_dropped_samples_total', { reason: 'too_old' }),
    1,
  )
})

test('invalid endpoint and queue options are refused when the sender is built', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 1 })
  t.after(() => wal.close())
  const base = { url: 'http://127.0.0.1:21022/write', component: 'c', queue: fastQueue(), wal }
  const refused = (err: unknown) => isSluiceError(err, 'SLUICE_ERR_REMOTE_WRITE_OPTIONS')
  assert.throws(() => new RemoteWriteSender({ ...base, url: 'not a url' }), refused)
  assert.throws(() => new RemoteWriteSender({ ...base, url: 'ftp://host/write' }), refused)
  assert.throws(
    () => new RemoteWriteSender({ ...base, queue: fastQueue({ max_samples_per_send: 0 }) }),
    refused,
  )
  assert.throws(
    () => new RemoteWriteSender({ ...base, queue: fastQueue({ min_backoff_ms: 10, max_backoff_ms: 5 }) }),
    refused,
  )
  const sender = new RemoteWriteSender(base)
  sender.start()
  assert.throws(
    () => sender.start(),
    (err) => isSluiceError(err, 'SLUICE_ERR_REMOTE_WRITE_STATE'),
  )
  await sender.stop()
})

test('a delivery hold keeps batches in the WAL until it lifts, then sends them in order', async (t) => {
  const { wal, backend, sender } = await rig(t, 21030, 1)
  const hold = new ManualHold()
  await wal.append(0, [record(0, 0), record(0, 1)])
  sender({}, { hold }).start()
  await backend.waitFor(() => hold.waits === 1)
  await wal.append(0, [record(0, 2)])
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.equal(backend.accepted.length, 0, 'nothing is sent while held')
  assert.equal(wal.stats().records, 3)
  hold.lift()
  await backend.waitFor(() => backend.acceptedOf(0).length === 3)
  assert.deepEqual(backend.acceptedOf(0), [0, 1, 2])
  await backend.waitFor(() => wal.stats().records === 0)
})

test('a change of the shard count keeps every series in order: newer records wait for older ones', async (t) => {
  // One series, whose samples move from shard 0 (1 shard in use) to shard 3 (4 in use) mid-stream,
  // while the backend is slow with the older ones: sent at once, the newer would overtake them.
  const { wal, backend, registry, sender } = await rig(t, 21031, 4)
  backend.reply = (request) => ({
    status: 204,
    delayMs: request.series.some((s) => s.samples.some((p) => p.value < 5)) ? 60 : 0,
  })
  const s = sender({ min_shards: 1, max_shards: 4 }, { shardMode: 'dynamic' })
  s.start()
  assert.equal(s.shards, 1)
  const sample = (n: number) => ({
    payload: snappyEncode(
      encodeWriteRequest([
        { labels: { __name__: 'ordered', s: 'a' }, samples: [{ value: n, timestamp: n }] },
      ]),
    ),
    samples: 1,
  })
  for (const n of range(0, 5)) await wal.append(0, [sample(n)])
  s.reshard(4)
  assert.equal(s.shards, 4)
  for (const n of range(5, 10)) await wal.append(3, [sample(n)])
  await backend.waitFor(() => backend.accepted.flatMap((r) => r.series).length === 10)
  const order = backend.accepted.flatMap((r) =>
    r.series.flatMap((series) => series.samples.map((p) => p.value)),
  )
  assert.deepEqual(order, range(0, 10))
  assert.equal(
    await metricValue(registry, 'sluice_remote_write_shards', {
      component: labels.component,
      url: labels.url.replace('21010', '21031'),
    }),
    4,
  )
  assert.equal(
    await metricValue(registry, 'sluice_remote_write_reshards_total', {
      component: labels.component,
      url: labels.url.replace('21010', '21031'),
      direction: 'up',
    }),
    1,
  )
})

test('the next batch of a shard goes out before the delete of the last one is written', async (t) => {
  const { wal, backend, sender } = await rig(t, 21040, 1)
  // Deletes that are never confirmed: a loop that waited for them would send one batch only.
  const ack = wal.ack.bind(wal)
  wal.ack = (shard, upto) => {
    void ack(shard, upto)
    return new Promise<void>(() => {})
  }
  await wal.append(0, [record(0, 0), record(0, 1), record(0, 2)])
  sender({ max_samples_per_send: 1 }).start()
  await backend.waitFor(() => backend.accepted.length === 3)
  assert.deepEqual(backend.acceptedOf(0), [0, 1, 2])
  assert.equal(wal.stats().records, 0)
})

test('changes in a row keep every series in order: each epoch waits for the one before, batches do not mix them', async (t) => {
  // Series a is in shard 2 with 4 shards, in shard 0 with 2, in shard 2 again with 4; series b stays
  // in shard 0. The backend is slow with a's first three samples: sent early, later ones would pass.
  const { wal, backend, sender } = await rig(t, 21032, 4)
  backend.reply = (request) => ({
    status: 204,
    delayMs: request.series.some((s) => s.labels.s === 'a' && s.samples[0]!.value < 3) ? 60 : 0,
  })
  const s = sender({ min_shards: 1, max_shards: 4 }, { shardMode: 'dynamic' })
  s.reshard(4)
  const sample = (series: string, n: number) => ({
    payload: snappyEncode(
      encodeWriteRequest([
        { labels: { __name__: 'ordered', s: series }, samples: [{ value: n, timestamp: n }] },
      ]),
    ),
    samples: 1,
  })
  await wal.append(2, [sample('a', 0), sample('a', 1)])
  await wal.append(0, [sample('b', 0), sample('b', 1)])
  s.reshard(2)
  await wal.append(0, [sample('a', 2), sample('b', 2)])
  s.reshard(4)
  assert.equal(s.shards, 4)
  await wal.append(2, [sample('a', 3)])
  await wal.append(0, [sample('b', 3)])
  s.start()
  await backend.waitFor(() => wal.stats().records === 0)
  const order = (name: string) =>
    backend.accepted.flatMap((r) =>
      r.series.filter((series) => series.labels.s === name).map((series) => series.samples[0]!.value),
    )
  assert.deepEqual(order('a'), [0, 1, 2, 3])
  assert.deepEqual(order('b'), [0, 1, 2, 3])
})
