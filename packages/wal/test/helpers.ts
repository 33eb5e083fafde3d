import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

/** A fresh directory for one test, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-wal-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A payload that names its shard and position, so tests can check order by decoding it. */
export function tagged(tag: string, samples = 1): { payload: Uint8Array; samples: number } {
  return { payload: Buffer.from(tag), samples }
}

export function tagOf(payload: Uint8Array): string {
  return Buffer.from(payload).toString()
}
