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
  const cutoff = scaler.cutoff()
  assert.ok(cutoff !== undefined && cutoff >= wal.stats().oldestAppendedAt!)
  // No further change while the barrier holds, however busy.
  scaler.busy(1e9)
  assert.equal(scaler.evaluate(performance.now() + 10_000), undefined)
  await wal.append(2, [record(2, 2)])
  assert.equal(scaler.cutoff(), cutoff, 'a record appended after the change does not lift it')
  await wal.ack(0, wal.stats().perShard[0]!.lastSeq)
  assert.equal(scaler.cutoff(), undefined, 'the older record is gone: lifted')
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
