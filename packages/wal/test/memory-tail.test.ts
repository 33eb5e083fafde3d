import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { Wal, type WalRecord } from '../src/index.ts'
import { WalRecord as Record } from '../src/record.ts'
import { ShardTail } from '../src/shard-tail.ts'
import { WriteGroups } from '../src/write-group.ts'
import { tagged, tagOf, tempDir } from './helpers.ts'

const view = (records: WalRecord[]) => records.map((r) => [r.seq, tagOf(r.payload), r.samples])

test('a reader gets the same records from memory as a reopened WAL gets from disk, for any cursor and memory bound', async (t) => {
  const dir = await tempDir(t)
  let run = 0
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 0, max: 30 }),
      async (sizes, memoryBytes, ackUpTo) => {
        const path = `${dir}/${run++}`
        const wal = await Wal.open({ path, shards: 1, memoryBytes })
        await Promise.all(sizes.map((size, i) => wal.append(0, [tagged(`r${i}:`.padEnd(size, 'x'), i)])))
        await wal.ack(0, ackUpTo % (sizes.length + 1))
        const live = []
        for (let after = 0; after <= sizes.length; after++) live.push(view(await wal.read(0, after, 5, 60)))
        await wal.close()
        const reopened = await Wal.open({ path, shards: 1 })
        const disk = []
        for (let after = 0; after <= sizes.length; after++)
          disk.push(view(await reopened.read(0, after, 5, 60)))
        await reopened.close()
        assert.deepEqual(live, disk)
      },
    ),
    { numRuns: 25 },
  )
})

test('the memory tail is bounded: eviction drops the oldest records and readers behind it are sent to disk', () => {
  const tail = new ShardTail(0)
  for (let seq = 1; seq <= 4; seq++) tail.push(new Record(seq, 0, new Uint8Array(10), 1, 0))
  assert.equal(tail.bytes, 40)
  tail.evict()
  assert.equal(tail.bytes, 30)
  assert.equal(tail.read(0, 10, 100), undefined, 'seq 1 is on disk only now')
  assert.deepEqual(
    tail.read(1, 10, 100)?.map((r) => r.seq),
    [2, 3, 4],
  )
  tail.removeThrough(3)
  assert.deepEqual(
    tail.read(3, 10, 100)?.map((r) => r.seq),
    [4],
  )
})

test('writes made while a batch is in flight share the next batch, and are applied in call order', async () => {
  const batches: number[] = []
  const groups = new WriteGroups(async (ops) => {
    batches.push(ops.length)
    await new Promise((resolve) => setTimeout(resolve, 5))
  })
  const applied: number[] = []
  const op = { type: 'del' as const, key: Buffer.alloc(1) }
  const writes = []
  for (let i = 0; i < 128; i++) writes.push(groups.write([op], () => applied.push(i)))
  await Promise.all(writes)
  assert.deepEqual(batches, [128])
  assert.deepEqual(
    applied,
    Array.from({ length: 128 }, (_, i) => i),
  )
  const first = groups.write([op, op])
  await new Promise((resolve) => setTimeout(resolve, 1))
  const second = [groups.write([op]), groups.write([op])]
  await Promise.all([first, ...second])
  assert.deepEqual(batches, [128, 2, 2])
})

test('a failed batch fails every write of its group and no later one', async () => {
  let calls = 0
  const groups = new WriteGroups(async () => {
    if (++calls === 1) throw new Error('disk full')
  })
  const op = { type: 'del' as const, key: Buffer.alloc(1) }
  let applied = 0
  const failed = [groups.write([op], () => applied++), groups.write([op], () => applied++)]
  for (const write of failed) await assert.rejects(write, /disk full/)
  await groups.write([op], () => applied++)
  assert.equal(applied, 1)
})

test('the memory budget is shared: one shard in use keeps all of it, and the largest tail is evicted first', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 4, memoryBytes: 100 })
  t.after(() => wal.close())
  const payloads = Array.from({ length: 4 }, (_, i) => tagged(`s0-${i}:`.padEnd(20, 'x'), i))
  for (const p of payloads) await wal.append(0, [p])
  // Served from memory: the very payloads appended (LevelDB would hand out copies).
  const fromMemory = (records: WalRecord[], expected: Uint8Array[]) =>
    records.length === expected.length && records.every((r, i) => r.payload === expected[i])
  assert.ok(
    fromMemory(
      await wal.read(0, 0, 10, 1000),
      payloads.map((p) => p.payload),
    ),
  )
  const other = tagged('s1:'.padEnd(30, 'y'), 9)
  await wal.append(1, [other])
  // 80 + 30 bytes: over 100, so shard 0 (the largest) loses its oldest record to disk.
  const shard0 = await wal.read(0, 0, 10, 1000)
  assert.deepEqual(view(shard0), view(await wal.read(0, 0, 10, 1000)))
  assert.ok(
    !fromMemory(
      shard0,
      payloads.map((p) => p.payload),
    ),
    'record 1 is read from disk',
  )
  assert.ok(
    fromMemory(
      await wal.read(0, 1, 10, 1000),
      payloads.slice(1).map((p) => p.payload),
    ),
  )
  assert.ok(fromMemory(await wal.read(1, 0, 10, 1000), [other.payload]))
})
