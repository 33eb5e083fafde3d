import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '@sluice/contracts'
import { ClassicLevel } from 'classic-level'
import { Wal } from '../src/index.ts'
import { tagged, tagOf, tempDir } from './helpers.ts'

const isFormatError = (err: unknown): boolean => isSluiceError(err, 'SLUICE_ERR_WAL_FORMAT')

test('records of one payload format are refused by an open that declares another, or none', async (t) => {
  const path = await tempDir(t)
  const first = await Wal.open({ path, shards: 1, format: 'a+snappy' })
  await first.append(0, [tagged('x')])
  await first.close()
  await assert.rejects(Wal.open({ path, shards: 1, format: 'b' }), isFormatError)
  await assert.rejects(Wal.open({ path, shards: 1 }), isFormatError)

  const same = await Wal.open({ path, shards: 1, format: 'a+snappy' })
  t.after(() => same.close())
  const records = await same.read(0, 0, 10, 1 << 20)
  assert.deepEqual(
    records.map((r) => tagOf(r.payload)),
    ['x'],
  )
  assert.equal(same.stats().records, 1, 'the format marker is not a record')
})

test('records written without a format are refused by an open that declares one', async (t) => {
  const path = await tempDir(t)
  const old = await Wal.open({ path, shards: 1 })
  await old.append(0, [tagged('raw')])
  await old.close()
  await assert.rejects(Wal.open({ path, shards: 1, format: 'a+snappy' }), isFormatError)
})

test('an empty WAL is taken over by a new format', async (t) => {
  const path = await tempDir(t)
  const first = await Wal.open({ path, shards: 1, format: 'a' })
  await first.append(0, [tagged('x')])
  await first.ack(0, (await first.read(0, 0, 10, 1 << 20))[0]!.seq)
  await first.close()
  const second = await Wal.open({ path, shards: 1, format: 'b' })
  await second.append(0, [tagged('y')])
  await second.close()
  await assert.rejects(Wal.open({ path, shards: 1, format: 'a' }), isFormatError)
})

test('keys of another layout are refused', async (t) => {
  const path = await tempDir(t)
  const db = new ClassicLevel<Buffer, Buffer>(path, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  await db.put(Buffer.alloc(10), Buffer.from('old'))
  await db.close()
  await assert.rejects(Wal.open({ path, shards: 1 }), isFormatError)
})
