import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { Registry } from '@sluice/telemetry'
import { snappyEncode } from '@sluice/wire'
import { DEFAULT_QUEUE_CONFIG, type QueueConfig } from '../../src/index.ts'
import { encodeWriteRequest } from './prom.ts'

/** A fresh directory for one test, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-rw-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Alloy's defaults with backoff and batching shortened so that tests take milliseconds. */
export function fastQueue(overrides: Partial<QueueConfig> = {}): QueueConfig {
  return {
    ...DEFAULT_QUEUE_CONFIG,
    batch_send_deadline_ms: 0,
    min_backoff_ms: 5,
    max_backoff_ms: 40,
    ...overrides,
  }
}

/** A WAL record (a snappy block) holding one series that names its shard and position `n`. */
export function record(shard: number, n: number): { payload: Uint8Array; samples: number } {
  return {
    payload: snappyEncode(
      encodeWriteRequest([
        {
          labels: { __name__: 'test_metric', shard: String(shard), n: String(n) },
          samples: [{ value: n, timestamp: n }],
        },
      ]),
    ),
    samples: 1,
  }
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string>) {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? []
  return values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value
}
