import { Registry } from '@sluice/telemetry'
import { Cluster, type ClusterOptions } from '../src/index.ts'

/** Short timings so membership tests run in about a second each. */
export const FAST = { heartbeatIntervalMs: 100, deadAfterMs: 1000, rejoinIntervalMs: 300 } as const

/** Starts nodes on 127.0.0.1 random ports and stops them all at the end of a test. */
export class Nodes {
  readonly started: Cluster[] = []
  /** The metrics registry of each started node, in start order. */
  readonly registries: Registry[] = []

  async start(options: Partial<ClusterOptions> = {}): Promise<Cluster> {
    const registry = new Registry()
    const node = await Cluster.start({
      listenAddr: '127.0.0.1:0',
      joinAddresses: [],
      nodeName: `node-${this.started.length}`,
      dataUrl: `http://127.0.0.1:${22100 + this.started.length}`,
      registry,
      ...FAST,
      ...options,
    })
    this.started.push(node)
    this.registries.push(registry)
    return node
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((n) => n.stop()))
  }
}

/** Polls `condition` every 20 ms; resolves true when it holds, false after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

export function ids(members: readonly { id: string }[]): string[] {
  return members.map((m) => m.id)
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = registry.getSingleMetric(name)
  if (!metric) return undefined
  const { values } = await metric.get()
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value
}
