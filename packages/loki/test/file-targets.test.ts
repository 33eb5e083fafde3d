import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, test } from 'node:test'
import type { LokiStream } from '@sluice/wire'
import { FileTargets } from '../src/index.ts'

async function until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('FileTargets', () => {
  let dir: string
  let received: LokiStream[]
  let targets: FileTargets | undefined

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-tail-'))
    received = []
  })

  afterEach(async () => {
    await targets?.stop()
    targets = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  const lines = (): string[] => received.flatMap((s) => s.entries.map((e) => e.line))

  function follow(
    pattern: string,
    options: { tailFromEnd?: boolean; fail?: () => boolean } = {},
  ): FileTargets {
    const t = new FileTargets({
      positionsPath: join(dir, 'positions.json'),
      pollMs: 10,
      syncMs: 50,
      tailFromEnd: options.tailFromEnd ?? false,
      deliver: async (stream) => {
        if (options.fail?.()) throw new Error('downstream unavailable')
        received.push(stream)
      },
    })
    void t.update([{ path: pattern, labels: [{ name: 'job', value: 'varlogs' }] }])
    return t
  }

  test('tails lines written during the test, in order, labelled with filename', async () => {
    const file = join(dir, 'app.log')
    writeFileSync(file, 'one\ntwo\r\n')
    targets = follow(file)
    await targets.start()
    await until(() => lines().length === 2)
    appendFileSync(file, 'three\nfour (no newline yet)')
    await until(() => lines().length === 3)
    appendFileSync(file, ' done\n')
    await until(() => lines().length === 4)
    assert.deepEqual(lines(), ['one', 'two', 'three', 'four (no newline yet) done'])
    assert.deepEqual(received[0]!.labels, [
      { name: 'filename', value: file },
      { name: 'job', value: 'varlogs' },
    ])
  })

  test('resumes from the saved position after a restart, without loss or repeat', async () => {
    const file = join(dir, 'app.log')
    writeFileSync(file, 'a\nb\n')
    targets = follow(file)
    await targets.start()
    await until(() => lines().length === 2)
    await targets.stop()
    appendFileSync(file, 'c\nd\n')
    targets = follow(file)
    await targets.start()
    await until(() => lines().length === 4)
    await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(lines(), ['a', 'b', 'c', 'd'])
  })

  test('follows a rotation by rename: the old file is read to its end, the new one from its start', async () => {
    const file = join(dir, 'app.log')
    writeFileSync(file, 'before\n')
    targets = follow(file)
    await targets.start()
    await until(() => lines().length === 1)
    appendFileSync(file, 'last of old')
    renameSync(file, `${file}.1`)
    writeFileSync(file, 'first of new\n')
    await until(() => lines().length === 3)
    assert.deepEqual(lines(), ['before', 'last of old', 'first of new'])
  })

  test('reads a truncated file again from its start', async () => {
    const file = join(dir, 'app.log')
    writeFileSync(file, 'long line before truncation\n')
    targets = follow(file)
    await targets.start()
    await until(() => lines().length === 1)
    truncateSync(file, 0)
    await new Promise((r) => setTimeout(r, 50))
    appendFileSync(file, 'after\n')
    await until(() => lines().length === 2)
    assert.deepEqual(lines(), ['long line before truncation', 'after'])
  })

  test('tail_from_end skips what a new file held before it was found', async () => {
    const file = join(dir, 'app.log')
    writeFileSync(file, 'old\n')
    targets = follow(file, { tailFromEnd: true })
    await targets.start()
    await new Promise((r) => setTimeout(r, 50))
    appendFileSync(file, 'new\n')
    await until(() => lines().length === 1)
    assert.deepEqual(lines(), ['new'])
  })

  test('retries delivery from the same lines when downstream fails', async () => {
    const file = join(dir, 'app.log')
    writeFileSync(file, 'x\ny\n')
    let failures = 3
    targets = follow(file, { fail: () => failures-- > 0 })
    await targets.start()
    await until(() => lines().length === 2)
    assert.deepEqual(lines(), ['x', 'y'])
  })

  test('picks up files that start matching a glob after the start', async () => {
    writeFileSync(join(dir, 'a.log'), 'from a\n')
    writeFileSync(join(dir, 'ignored.txt'), 'not a log\n')
    targets = follow(join(dir, '*.log'))
    await targets.start()
    await until(() => lines().length === 1)
    writeFileSync(join(dir, 'b.log'), 'from b\n')
    await until(() => lines().length === 2)
    assert.deepEqual(lines(), ['from a', 'from b'])
    assert.deepEqual(targets.files(), [join(dir, 'a.log'), join(dir, 'b.log')])
  })
})
