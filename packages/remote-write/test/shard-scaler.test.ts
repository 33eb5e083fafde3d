import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Wal } from '@sluice/wal'
import { ShardScaler } from '../src/index.ts'
import { record, tempDir } from './helpers/setup.ts'

test('the count is the time per sample times the rate in, changed only beyond 30%, within min..max', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 16 })
  t.after(() => wal.close())
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 8, mode: 'dynamic' })
  assert.equal(scaler.count, 1, 'starts at min_shards')
  let at = performance.now()
  // 20 000 samples in 10 s (the WAL stays empty: what arrived left), their sends taking `ms` in all.
  const look = (ms: number): number | undefined => {
    scaler.delivered(20_000, ms)
    at += 10_000
    return scaler.evaluate(at)
  }
  assert.equal(look(9_000), undefined, '0.45 ms a sample at 2000 a second: 0.9 shards, one is enough')
  assert.equal(look(15_000), 2, '1.5 shards: rounded up, past 1 + 30%')
  assert.ok(Math.abs(scaler.desired - 1.5) < 1e-9)
  assert.equal(look(30_000), 3)
  assert.equal(look(25_000), undefined, '2.5 rounds to 3: unchanged')
  assert.equal(look(45_000), 5)
  assert.equal(look(55_000), undefined, '5.5 rounds to 6, within 30% of 5')
  assert.equal(look(200_000), 8, 'max_shards')
  assert.equal(look(4_000), 1, 'down at once, to what the load needs')
  at += 10_000
  assert.equal(scaler.evaluate(at), undefined, 'nothing arrived, nothing sent, nothing waits: stays at min')
  assert.equal(scaler.desired, 0)
})

test('a backlog raises the count and keeps it from shrinking; a look with nothing sent changes nothing', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 8 })
  t.after(() => wal.close())
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 8, mode: 'dynamic' })
  const start = performance.now()
  await wal.append(0, [{ ...record(0, 1), samples: 10_000 }])
  assert.equal(scaler.evaluate(start + 10_000), undefined, 'records wait, none left: the backend may be down')
  // 10 000 samples left in 10 s taking 0.9 ms each, and the backlog grew by 10 000: 20 000 arrived,
  // and the oldest waits 20 s: 0.9 ms x 2000/s x (1 + 0.05 x 20) = 3.6 shards.
  scaler.delivered(10_000, 9_000)
  await wal.append(1, [{ ...record(1, 2), samples: 10_000 }])
  assert.equal(scaler.evaluate(start + 20_000), 4)
  assert.ok(Math.abs(scaler.desired - 3.6) < 0.01, `desired ${scaler.desired}`)
  // Little sent, still 30 s behind: no shrinking.
  scaler.delivered(10_000, 500)
  assert.equal(scaler.evaluate(start + 30_000), undefined)
  assert.equal(scaler.count, 4)
})

test('a change holds newer records back until the WAL holds nothing appended before it', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 4 })
  t.after(() => wal.close())
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 4, mode: 'dynamic' })
  assert.equal(scaler.cutoff(), undefined, 'an empty WAL at start: nothing to wait for')
  await wal.append(0, [record(0, 1)])
  scaler.set(4)
  const first = scaler.cutoff()
  assert.equal(first, wal.lastAppendedAt(), 'the barrier is the newest append before the change')
  await wal.append(2, [record(2, 2)])
  assert.ok(wal.lastAppendedAt()! > first!, 'appends after it are later, however close in time')
  assert.equal(scaler.cutoff(), first, 'a record appended after the change does not lift it')
  // A second change before the first barrier lifts: its own barrier comes into force after the first.
  scaler.set(2)
  const second = wal.lastAppendedAt()
  assert.equal(scaler.cutoff(), first)
  await wal.ack(0, wal.stats().perShard[0]!.lastSeq)
  assert.equal(scaler.cutoff(), second, 'the first epoch is sent: the second barrier holds')
  await wal.ack(2, wal.stats().perShard[2]!.lastSeq)
  assert.equal(scaler.cutoff(), undefined, 'everything from before the changes is gone: lifted')
})

test('while a barrier holds the count may grow but not shrink (waiting shards look idle)', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 8 })
  t.after(() => wal.close())
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 8, mode: 'dynamic' })
  await wal.append(0, [record(0, 1)])
  scaler.set(4)
  // Looks taken a second apart: the held record is young, so only the barrier keeps the count.
  let at = performance.now()
  for (let i = 0; i < 4; i++) {
    scaler.delivered(1000, 10)
    at += 1000
    assert.equal(scaler.evaluate(at), undefined, 'idle while held: no shrinking')
  }
  scaler.delivered(1000, 6000)
  assert.equal(scaler.evaluate(at + 1000), 8, 'busy while held: grows')
})

test('a restart with records in the WAL holds newer ones back until those are sent', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 2 })
  t.after(() => wal.close())
  await wal.append(1, [record(1, 1)])
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 2, mode: 'dynamic' })
  assert.notEqual(scaler.cutoff(), undefined)
  await wal.ack(1, wal.stats().perShard[1]!.lastSeq)
  assert.equal(scaler.cutoff(), undefined)
})

test('without dynamic shards the count is max_shards, clamped to the WAL, and never changes', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 4 })
  t.after(() => wal.close())
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 50, mode: 'fixed' })
  assert.equal(scaler.count, 4)
  scaler.delivered(1000, 100_000)
  assert.equal(scaler.evaluate(performance.now() + 30_000), undefined)
  assert.equal(scaler.count, 4)
})

test('agreed: the load decides what this node wants, and only set() changes the count, with its barrier', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 8 })
  t.after(() => wal.close())
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 8, mode: 'agreed' })
  assert.equal(scaler.count, 1)
  assert.equal(scaler.wanted, 1)
  let at = performance.now()
  scaler.delivered(20_000, 30_000)
  at += 10_000
  assert.equal(scaler.evaluate(at), 3, 'the new want')
  assert.equal(scaler.count, 1, 'the count waits to be told')
  scaler.delivered(20_000, 30_000)
  at += 10_000
  assert.equal(scaler.evaluate(at), undefined, 'the same want again is no news')
  await wal.append(0, [record(0, 1)])
  scaler.set(4)
  assert.equal(scaler.count, 4)
  assert.equal(scaler.wanted, 3, 'another member wanted more: this one still wants 3')
  assert.equal(scaler.cutoff(), wal.lastAppendedAt(), 'the change has its barrier')
  // At 4 shards the same load is within tolerance: it wants what it has.
  await wal.ack(0, wal.stats().perShard[0]!.lastSeq)
  scaler.delivered(20_000, 35_000)
  at += 10_000
  assert.equal(scaler.evaluate(at), 4)
})
