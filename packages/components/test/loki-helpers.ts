import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MetricsPipeline } from '@sluice/pipeline'
import { Controller } from '@sluice/runtime'
import { nullLogger, Registry } from '@sluice/telemetry'
import { decodeLokiPush, type LokiPushRequest, snappyDecode } from '@sluice/wire'
import { builtinComponents, type ClusterRouting, HttpServers, type NodeServices } from '../src/index.ts'

/** A Loki push endpoint for tests: decodes what it receives and answers the scripted statuses, then 204. */
export class FakeLoki {
  readonly received: { headers: IncomingHttpHeaders; push: LokiPushRequest }[] = []
  readonly statuses: number[] = []
  readonly #server: Server
  readonly #script: number[]

  constructor(script: number[] = []) {
    this.#script = [...script]
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const status = this.#script.shift() ?? 204
        this.statuses.push(status)
        if (status < 300)
          this.received.push({
            headers: req.headers,
            push: decodeLokiPush(snappyDecode(Buffer.concat(chunks))),
          })
        res.writeHead(status).end(status < 300 ? '' : 'refused\n')
      })
    })
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/loki/api/v1/push`
  }

  /** Every stream received, label string -> lines, in arrival order. */
  lines(): Map<string, string[]> {
    const out = new Map<string, string[]>()
    for (const r of this.received) {
      for (const s of r.push.streams) {
        const key = s.labels.map((l) => `${l.name}=${l.value}`).join(',')
        out.set(key, [...(out.get(key) ?? []), ...s.entries.map((e) => e.line)])
      }
    }
    return out
  }

  entries(): number {
    return this.received.reduce((n, r) => n + r.push.streams.reduce((m, s) => m + s.entries.length, 0), 0)
  }

  close(): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}

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
