import type { Cluster, OwnershipTable, OwnershipTablePlain } from '@sluice/cluster'
import { SluiceError } from '@sluice/contracts'
import type { PushOwnership } from '@sluice/pipeline'
import { Counter, type Registry } from '@sluice/telemetry'
import { Agent, request } from 'undici'
import type { ClusterRouting } from './services.ts'

/** The path on a member's main HTTP server that takes pushes routed to it by other members. */
export const FORWARD_PATH = '/-/cluster/write'

/** A forward to the owner failed; the edge is told to retry (the owner, or a new one, takes it then). */
export class ForwardError extends SluiceError {
  constructor(member: string, message: string, cause?: unknown) {
    super('SLUICE_ERR_FORWARD', `forward to ${member} failed: ${message}`, { status: 503, cause })
  }
}

/**
 * Series routing over a running cluster: ownership snapshots for the worker tasks, and forwarding of
 * other members' series over their data-plane URL with keep-alive connections.
 */
export class ClusterForwarder implements ClusterRouting {
  readonly #cluster: Cluster
  readonly #token: string | undefined
  readonly #agent = new Agent({ keepAliveTimeout: 30_000, connections: 16, pipelining: 1 })
  #table: OwnershipTable
  #snapshot: PushOwnership | undefined
  readonly #forwards: Counter

  constructor(cluster: Cluster, token: string | undefined, registry: Registry) {
    this.#cluster = cluster
    this.#token = token
    this.#table = cluster.ownership()
    this.#snapshot = this.#snapshotOf(this.#table)
    this.#forwards = new Counter({
      name: 'sluice_cluster_forwards_total',
      help: 'Pushes forwarded to the owning member, by result.',
      labelNames: ['result'],
      registers: [registry],
    })
    cluster.on('change', (table) => {
      this.#table = table
      this.#snapshot = this.#snapshotOf(table)
    })
  }

  #snapshotOf(table: OwnershipTable): PushOwnership | undefined {
    if (table.members.length === 0) return undefined
    return {
      table: table.toPlain(),
      selfIndex: table.members.findIndex((m) => m.id === this.#cluster.self.id),
    }
  }

  ownership(): PushOwnership | undefined {
    return this.#snapshot
  }

  ownsKey(key: string): boolean {
    const index = this.#table.ownerOfKey(key)
    return index >= 0 && this.#table.members[index]!.id === this.#cluster.self.id
  }

  onChange(listener: () => void): () => void {
    return this.#cluster.on('change', () => listener())
  }

  async forward(
    ownership: PushOwnership,
    ownerIndex: number,
    componentId: string,
    payload: Uint8Array,
  ): Promise<void> {
    const dataUrl = (ownership.table as OwnershipTablePlain).dataUrls[ownerIndex]
    if (!dataUrl) throw new ForwardError(`member #${ownerIndex}`, 'not in the ownership table')
    const headers: Record<string, string> = {
      'content-type': 'application/x-protobuf',
      'x-sluice-component': componentId,
    }
    if (this.#token) headers.authorization = `Bearer ${this.#token}`
    try {
      const res = await request(`${dataUrl}${FORWARD_PATH}`, {
        method: 'POST',
        body: payload,
        headers,
        dispatcher: this.#agent,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      })
      const text = await res.body.text()
      if (res.statusCode !== 204 && res.statusCode !== 200) {
        this.#forwards.inc({ result: `http_${res.statusCode}` })
        throw new ForwardError(dataUrl, `HTTP ${res.statusCode}: ${text.slice(0, 200)}`)
      }
      this.#forwards.inc({ result: 'ok' })
    } catch (err) {
      if (err instanceof ForwardError) throw err
      this.#forwards.inc({ result: 'error' })
      throw new ForwardError(dataUrl, (err as Error).message, err)
    }
  }

  async close(): Promise<void> {
    await this.#agent.close()
  }
}
