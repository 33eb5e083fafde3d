import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { isSluiceError } from '@sluice/contracts'
import { Registry } from '@sluice/telemetry'
import { Wal } from '../src/index.ts'
import { tagged, tagOf, tempDir } from './helpers.ts'

async function readAll(wal: Wal, shard: number, afterSeq = 0) {
  return wal.read(shard, afterSeq, 1_000_000, Number.POSITIVE_INFINITY)
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>) {
  const metric = (await registry.getSingleMetric(name)?.get())?.values ?? []
  const match = metric.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
  return match?.value
}

test('concurrent appends keep call order within each shard', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 3 })
  t.after(() => wal.close())
  const calls: Promise<void>[] = []
  for (let i = 0; i < 60; i++) {
    const shard = i % 3
    calls.push(wal.append(shard, [tagged(`${shard}:${i}:a`), tagged(`${shard}:${i}:b`)]))
  }
  await Promise.all(calls)
  for (let shard = 0; shard < 3; shard++) {
    const records = await readAll(wal, shard)
    const expected = []
    for (let i = shard; i < 60; i += 3) expected.push(`${shard}:${i}:a`, `${shard}:${i}:b`)
    assert.deepEqual(
      records.map((r) => tagOf(r.payload)),
      expected,
    )
    for (let i = 1; i < records.length; i++) assert.ok(records[i]!.seq > records[i - 1]!.seq)
    assert.ok(records.every((r) => r.shard === shard))
  }
})

test('appendShards writes records of several shards in one call, in entry order per shard', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 3 })
  t.after(() => wal.close())
  const entry = (shard: number, tag: string) => ({ shard, ...tagged(tag) })
  await Promise.all([
    wal.appendShards([entry(0, '0a'), entry(2, '2a'), entry(0, '0b')]),
    wal.appendShards([entry(2, '2b'), entry(0, '0c')]),
  ])
  assert.deepEqual(
    (await readAll(wal, 0)).map((r) => tagOf(r.payload)),
    ['0a', '0b', '0c'],
  )
  assert.deepEqual(await readAll(wal, 1), [])
  assert.deepEqual(
    (await readAll(wal, 2)).map((r) => tagOf(r.payload)),
    ['2a', '2b'],
  )
  assert.equal(wal.stats().records, 5)
  // One bad shard refuses the whole call: nothing of it is appended.
  await assert.rejects(wal.appendShards([entry(1, 'x'), entry(3, 'y')]), (err) =>
    isSluiceError(err, 'SLUICE_ERR_WAL_SHARD'),
  )
  assert.equal(wal.stats().records, 5)
})

test('read honours afterSeq, maxRecords and maxBytes, returning at least one record', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 1 })
  t.after(() => wal.close())
  await wal.append(0, [tagged('aaaa'), tagged('bbbb'), tagged('cccc'), tagged('dddd')])
  const all = await readAll(wal, 0)
  assert.deepEqual(
    (await wal.read(0, all[0]!.seq, 2, 1000)).map((r) => tagOf(r.payload)),
    ['bbbb', 'cccc'],
  )
  assert.deepEqual(
    (await wal.read(0, 0, 10, 9)).map((r) => tagOf(r.payload)),
    ['aaaa', 'bbbb'],
  )
  assert.deepEqual(
    (await wal.read(0, 0, 10, 1)).map((r) => tagOf(r.payload)),
    ['aaaa'],
  )
  assert.deepEqual(await wal.read(0, all.at(-1)!.seq, 10, 1000), [])
})

test('ack deletes the records up to the seq and updates the accounting', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 2 })
  t.after(() => wal.close())
  await wal.append(0, [tagged('a', 3), tagged('b', 3), tagged('c', 3)])
  await wal.append(1, [tagged('x', 5)])
  const records = await readAll(wal, 0)
  await wal.ack(0, records[1]!.seq)
  assert.deepEqual(
    (await readAll(wal, 0)).map((r) => tagOf(r.payload)),
    ['c'],
  )
  assert.equal((await readAll(wal, 1)).length, 1, 'other shards are untouched')
  const stats = wal.stats()
  assert.equal(stats.records, 2)
  assert.equal(stats.samples, 8)
  assert.equal(stats.perShard[0]!.records, 1)
})

test('reopening replays exactly the unacknowledged records in order, and seqs continue', async (t) => {
  const path = await tempDir(t)
  const registry = new Registry()
  const first = await Wal.open({ path, shards: 2 })
  await first.append(0, [tagged('0a'), tagged('0b'), tagged('0c')])
  await first.append(1, [tagged('1a'), tagged('1b')])
  const shard0 = await readAll(first, 0)
  await first.ack(0, shard0[0]!.seq)
  const bytesBefore = first.stats().bytes
  await first.close()

  const wal = await Wal.open({ path, shards: 2, registry, component: 'c1' })
  t.after(() => wal.close())
  assert.deepEqual(
    (await readAll(wal, 0)).map((r) => tagOf(r.payload)),
    ['0b', '0c'],
  )
  assert.deepEqual(
    (await readAll(wal, 1)).map((r) => tagOf(r.payload)),
    ['1a', '1b'],
  )
  assert.equal(wal.stats().bytes, bytesBefore)
  assert.equal(await metricValue(registry, 'sluice_wal_replayed_records_total', { component: 'c1' }), 4)
  await wal.append(0, [tagged('0d')])
  const after = await readAll(wal, 0)
  assert.deepEqual(
    after.map((r) => tagOf(r.payload)),
    ['0b', '0c', '0d'],
  )
  assert.ok(after[2]!.seq > shard0.at(-1)!.seq)
})

test('lowering the shard count moves the records of removed shards instead of losing them', async (t) => {
  const path = await tempDir(t)
  const first = await Wal.open({ path, shards: 4 })
  await first.append(1, [tagged('1a')])
  await first.append(3, [tagged('3a'), tagged('3b')])
  await first.close()
  const wal = await Wal.open({ path, shards: 2 })
  t.after(() => wal.close())
  assert.deepEqual(
    (await readAll(wal, 1)).map((r) => tagOf(r.payload)),
    ['1a', '3a', '3b'],
  )
  assert.equal(wal.stats().records, 3)
})

test('over maxBytes the oldest records are dropped and their samples counted', async (t) => {
  const registry = new Registry()
  const payload = (tag: string) => ({ payload: Buffer.alloc(100, tag), samples: 7 })
  // 100 bytes of payload + 22 bytes of key and header: three records fit in 400 bytes, four do not.
  const wal = await Wal.open({ path: await tempDir(t), shards: 2, maxBytes: 400, registry, component: 'w' })
  t.after(() => wal.close())
  await wal.append(0, [payload('a')])
  await wal.append(1, [payload('b')])
  await wal.append(0, [payload('c')])
  await wal.append(1, [payload('d'), payload('e')])
  await wal.enforceLimits()
  const kept = [...(await readAll(wal, 0)), ...(await readAll(wal, 1))].map((r) =>
    String.fromCharCode(r.payload[0]!),
  )
  assert.deepEqual(kept.sort(), ['c', 'd', 'e'])
  assert.ok(wal.stats().bytes <= 400)
  assert.equal(
    await metricValue(registry, 'sluice_wal_dropped_samples_total', { component: 'w', reason: 'max_size' }),
    14,
  )
})

test('records older than maxAgeMs are dropped and counted', async (t) => {
  const registry = new Registry()
  const wal = await Wal.open({ path: await tempDir(t), shards: 1, maxAgeMs: 40, registry, component: 'w' })
  t.after(() => wal.close())
  await wal.append(0, [tagged('old', 4)])
  await new Promise((resolve) => setTimeout(resolve, 60))
  await wal.append(0, [tagged('new', 2)])
  await wal.enforceLimits()
  assert.deepEqual(
    (await readAll(wal, 0)).map((r) => tagOf(r.payload)),
    ['new'],
  )
  assert.equal(
    await metricValue(registry, 'sluice_wal_dropped_samples_total', { component: 'w', reason: 'max_age' }),
    4,
  )
})

test('an idle WAL still drops old records, on its timer', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 1, maxAgeMs: 50 })
  t.after(() => wal.close())
  await wal.append(0, [tagged('old')])
  const deadline = Date.now() + 2000
  while (wal.stats().records > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  assert.equal(wal.stats().records, 0)
})

test('waitForData wakes a reader when a later record is appended, and on abort', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 2 })
  t.after(() => wal.close())
  let woken = false
  const waiting = wal.waitForData(1, 0).then(() => {
    woken = true
  })
  await wal.append(0, [tagged('other shard')])
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(woken, false, 'an append to another shard does not wake the reader')
  await wal.append(1, [tagged('mine')])
  await waiting
  assert.equal(woken, true)

  const [record] = await readAll(wal, 1)
  await wal.waitForData(1, record!.seq - 1) // data already there: resolves at once
  const controller = new AbortController()
  const aborted = wal.waitForData(1, record!.seq, controller.signal)
  controller.abort()
  await aborted
})

test('the gauges report bytes, records and the age of the oldest record per component', async (t) => {
  const registry = new Registry()
  const wal = await Wal.open({
    path: join(await tempDir(t), 'deep', 'wal'),
    shards: 1,
    registry,
    component: 'g',
  })
  t.after(() => wal.close())
  await wal.append(0, [{ payload: Buffer.alloc(10), samples: 1 }])
  assert.equal(await metricValue(registry, 'sluice_wal_records', { component: 'g' }), 1)
  assert.equal(await metricValue(registry, 'sluice_wal_bytes', { component: 'g' }), 32)
  const age = await metricValue(registry, 'sluice_wal_oldest_record_age_seconds', { component: 'g' })
  assert.ok(age !== undefined && age >= 0 && age < 5)
  const text = await registry.metrics()
  assert.match(text, /sluice_wal_append_duration_seconds_count\{component="g"\} 1/)
})

test('misuse is rejected with typed errors', async (t) => {
  await assert.rejects(Wal.open({ path: await tempDir(t), shards: 0 }), (err) =>
    isSluiceError(err, 'SLUICE_ERR_WAL_OPTIONS'),
  )
  const wal = await Wal.open({ path: await tempDir(t), shards: 2 })
  await assert.rejects(wal.append(2, [tagged('x')]), (err) => isSluiceError(err, 'SLUICE_ERR_WAL_SHARD'))
  await wal.close()
  await assert.rejects(
    wal.append(0, [tagged('x')]),
    (err) => isSluiceError(err, 'SLUICE_ERR_WAL_CLOSED') && err.status === 503,
  )
})

test('waitUntilEmpty resolves true once every record is acknowledged, false at its timeout', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 1 })
  t.after(() => wal.close())
  assert.equal(await wal.waitUntilEmpty(0), true, 'an empty WAL is empty at once')
  await wal.append(0, [tagged('a'), tagged('b')])
  const started = Date.now()
  assert.equal(await wal.waitUntilEmpty(120), false)
  assert.ok(Date.now() - started >= 100)
  const records = await readAll(wal, 0)
  setTimeout(() => void wal.ack(0, records[1]!.seq), 60)
  assert.equal(await wal.waitUntilEmpty(5000), true)
})

test('one abort wakes every reader waiting on its signal, and a reader woken by data before it is not woken twice', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 4 })
  t.after(() => wal.close())
  const controller = new AbortController()
  const woken: number[] = []
  const waits: Promise<void>[] = []
  for (let i = 0; i < 40; i++) {
    const shard = i % 4
    waits.push(wal.waitForData(shard, 0, controller.signal).then(() => void woken.push(i)))
  }
  // Shard 0's readers are woken by data, while the signal still stands.
  await wal.append(0, [tagged('data')])
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(
    woken.sort((a, b) => a - b),
    Array.from({ length: 10 }, (_, k) => k * 4),
  )
  controller.abort()
  await Promise.all(waits)
  assert.equal(woken.length, 40, 'each wait resolved exactly once')
  // A signal that already aborted does not make a reader wait.
  await wal.waitForData(1, 0, controller.signal)
})

test('size accounting follows appends, acknowledgements and drops, so maxBytes drops exactly the excess', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 2, maxBytes: 10_000 })
  t.after(() => wal.close())
  const record = (tag: string) => ({ payload: new Uint8Array(978).fill(tag.charCodeAt(0)), samples: 1 })
  // 1000 bytes a record (978 + a 22-byte key): ten fit.
  for (let i = 0; i < 8; i++) await wal.append(i % 2, [record('a')])
  assert.equal(wal.stats().bytes, 8000)
  const [first] = await readAll(wal, 0)
  await wal.ack(0, first!.seq)
  assert.equal(wal.stats().bytes, 7000)
  for (let i = 0; i < 3; i++) await wal.append(1, [record('b')])
  await wal.enforceLimits()
  assert.equal(wal.stats().bytes, 10_000, 'nothing dropped at the bound')
  await wal.append(0, [record('c')])
  await wal.enforceLimits()
  assert.equal(wal.stats().bytes, 10_000, 'one record over the bound: the oldest one dropped')
  assert.equal(wal.stats().records, 10)
})

test('the age limit still drops old records after the oldest ones were acknowledged', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 2, maxAgeMs: 300 })
  t.after(() => wal.close())
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  await wal.append(0, [tagged('acked')])
  const [acked] = await readAll(wal, 0)
  await wal.ack(0, acked!.seq)
  await sleep(150)
  await wal.append(1, [tagged('middle')])
  await sleep(200)
  // 350 ms after the acknowledged record, 200 ms after `middle`: nothing held is too old yet.
  await wal.append(0, [tagged('young')])
  await wal.enforceLimits()
  assert.deepEqual(
    (await readAll(wal, 1)).map((r) => tagOf(r.payload)),
    ['middle'],
  )
  await sleep(150)
  await wal.append(0, [tagged('late')])
  await wal.enforceLimits()
  assert.deepEqual(await readAll(wal, 1), [], '`middle` is now past the limit')
})

test('append times strictly increase from call to call, and lastAppendedAt survives a reopen', async (t) => {
  const path = await tempDir(t)
  const first = await Wal.open({ path, shards: 2 })
  assert.equal(first.lastAppendedAt(), undefined)
  const times: number[] = []
  for (let i = 0; i < 200; i++) {
    await first.append(i % 2, [tagged(`r${i}`)])
    times.push(first.lastAppendedAt()!)
  }
  for (let i = 1; i < times.length; i++)
    assert.ok(times[i]! > times[i - 1]!, `call ${i} is later than ${i - 1}`)
  const records = [...(await readAll(first, 0)), ...(await readAll(first, 1))]
  assert.equal(Math.max(...records.map((r) => r.appendedAt)), times.at(-1))
  await first.close()
  const second = await Wal.open({ path, shards: 2 })
  t.after(() => second.close())
  assert.equal(second.lastAppendedAt(), times.at(-1), 'replayed records count')
  await second.append(0, [tagged('after')])
  assert.ok(second.lastAppendedAt()! > times.at(-1)!)
})
