import assert from 'node:assert/strict'
import { test } from 'node:test'
import { nullLogger } from '@sluice/telemetry'
import { Wal, type WalRecord } from '@sluice/wal'
import { ShardReader } from '../src/index.ts'
import { record, tempDir } from './helpers/setup.ts'

test('a shard reports the time it was busy with each batch, not the time it waited for records', async (t) => {
  const wal = await Wal.open({ path: await tempDir(t), shards: 1 })
  t.after(() => wal.close())
  const busy: number[] = []
  const reader = new ShardReader({
    wal,
    weigh: (r: WalRecord) => r.samples,
    maxBatchWeight: 1,
    batchWaitMs: 0,
    minBackoffMs: 5,
    maxBackoffMs: 40,
    logger: nullLogger,
    // Each send takes 30 ms.
    deliver: async () => {
      await new Promise((resolve) => setTimeout(resolve, 30))
      return 'sent'
    },
    delivered: (records, busyMs) => {
      assert.equal(records.length, 1)
      busy.push(busyMs)
    },
  })
  reader.start()
  t.after(() => reader.stop(1000))
  // Records 300 ms apart: the shard idles between them (more than any busy time allowed below).
  for (let n = 0; n < 3; n++) {
    await wal.append(0, [record(0, n)])
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  assert.equal(busy.length, 3)
  for (const ms of busy) assert.ok(ms >= 25 && ms < 250, `busy ${ms} ms: the send, not the 300 ms idle`)
})
