import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Wal } from '@sluice/wal'
import { ShardScaler } from '../src/index.ts'
import { record, tempDir } from './helpers/setup.ts'

test('the shard count doubles while the shards are busy, halves after three quiet looks, within min..max', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 16 })
  t.after(() => wal.close())
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 8, dynamic: true })
  assert.equal(scaler.count, 1, 'starts at min_shards')
  let at = performance.now()
  const look = (busyShare: number): number | undefined => {
    scaler.busy(busyShare * scaler.count * 10_000)
    at += 10_000
    return scaler.evaluate(at)
  }
  assert.equal(look(0.7), 2)
  assert.equal(look(0.9), 4)
  assert.equal(look(0.3), undefined, 'between the thresholds: unchanged')
  assert.equal(look(0.61), 8)
  assert.equal(look(1), undefined, 'max_shards reached')
  assert.equal(scaler.count, 8)
  assert.equal(look(0.05), undefined)
  assert.equal(look(0.05), undefined)
  assert.equal(look(0.05), 4, 'the third quiet look in a row halves')
  assert.equal(look(0.05), undefined)
  assert.equal(look(0.2), undefined, 'a busier look starts the count of quiet ones again')
  assert.equal(look(0.05), undefined)
  assert.equal(look(0.05), undefined)
  assert.equal(look(0.05), 2)
  for (let i = 0; i < 6; i++) look(0)
  assert.equal(scaler.count, 1, 'never below min_shards')
})

test('a change holds newer records back until the WAL holds nothing appended before it', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 4 })
  t.after(() => wal.close())
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 4, dynamic: true })
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
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 8, dynamic: true })
  await wal.append(0, [record(0, 1)])
  scaler.set(4)
  let at = performance.now()
  for (let i = 0; i < 4; i++) {
    at += 10_000
    assert.equal(scaler.evaluate(at), undefined, 'idle while held: no shrinking')
  }
  scaler.busy(0.9 * 4 * 10_000)
  assert.equal(scaler.evaluate(at + 10_000), 8, 'busy while held: grows')
})

test('a restart with records in the WAL holds newer ones back until those are sent', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 2 })
  t.after(() => wal.close())
  await wal.append(1, [record(1, 1)])
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 2, dynamic: true })
  assert.notEqual(scaler.cutoff(), undefined)
  await wal.ack(1, wal.stats().perShard[1]!.lastSeq)
  assert.equal(scaler.cutoff(), undefined)
})

test('without dynamic shards the count is max_shards, clamped to the WAL, and never changes', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 4 })
  t.after(() => wal.close())
  const scaler = new ShardScaler({ wal, minShards: 1, maxShards: 50, dynamic: false })
  assert.equal(scaler.count, 4)
  scaler.busy(0)
  assert.equal(scaler.evaluate(performance.now() + 30_000), undefined)
  assert.equal(scaler.count, 4)
})
