import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MetricsPipeline } from '@sluice/pipeline'
import { Controller } from '@sluice/runtime'
import { nullLogger, Registry } from '@sluice/telemetry'
import { builtinComponents, type ClusterRouting, HttpServers, type NodeServices } from '../src/index.ts'

export { FakeLoki } from '@sluice/loki/testing'

export async function until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Waits until an asynchronous check holds (metrics are read asynchronously). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** A node's runtime with the built-in components and just the services logs need. */
export class Node {
  readonly http = new HttpServers(nullLogger)
  readonly metrics = new Registry()
  readonly controller: Controller<NodeServices>
  readonly services: NodeServices

  constructor(dataPath: string, cluster?: ClusterRouting) {
    const services: NodeServices = {
      http: this.http,
      pipeline: undefined as unknown as MetricsPipeline,
      sinks: new Map(),
      mains: new Map(),
      logIngest: new Map(),
      logSinks: new Map(),
      cluster,
      logger: nullLogger,
      version: 'test',
      lifecycle: { draining: false },
    }
    this.services = services
    this.controller = new Controller({
      registry: builtinComponents(),
      services,
      logger: nullLogger,
      metrics: this.metrics,
      dataPath,
    })
  }

  async stop(): Promise<void> {
    await this.controller.stop()
    await this.http.close()
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const m = await this.metrics.getSingleMetric(name)?.get()
    return (m?.values ?? [])
      .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
      .reduce((s, v) => s + v.value, 0)
  }
}

export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'sluice-loki-components-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
