import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Wal } from '../src/index.ts'
import { tagOf, tempDir } from './helpers.ts'

const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url))

test('every append that resolved before a SIGKILL is in the WAL after reopening, in order', async (t) => {
  const path = await tempDir(t)
  const child = spawn(process.execPath, [writer, path], { stdio: ['ignore', 'pipe', 'inherit'] })
  const confirmed: string[] = []
  let partial = ''
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  )
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop()!
    confirmed.push(...lines)
    if (confirmed.length >= 300) child.kill('SIGKILL')
  })
  assert.equal(await exited, 'SIGKILL', 'the writer was killed mid-stream, not finished')

  const wal = await Wal.open({ path, shards: 2 })
  t.after(() => wal.close())
  for (const shard of [0, 1]) {
    const stored = (await wal.read(shard, 0, 1_000_000, Number.POSITIVE_INFINITY)).map((r) =>
      tagOf(r.payload),
    )
    const numbers = stored.map((tag) => Number(tag.split(' ')[1]))
    assert.deepEqual(
      numbers,
      [...numbers].sort((a, b) => a - b),
      `shard ${shard} replays in append order`,
    )
    const present = new Set(stored)
    const lost = confirmed.filter((line) => line.startsWith(`${shard} `) && !present.has(line))
    assert.deepEqual(lost, [], `shard ${shard} lost no resolved append`)
  }
  assert.ok(confirmed.length >= 300)
})
