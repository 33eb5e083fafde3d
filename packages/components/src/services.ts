import { SluiceError } from '@sluice/contracts'
import type { MetricsPipeline, PushOwnership, PushResult } from '@sluice/pipeline'
import type { Logger } from '@sluice/telemetry'
import type { HttpServers } from './http.ts'

/** Where a sink (a remote_write endpoint) takes the series a push produced for one of its WAL shards. */
export interface ShardSink {
  appendShard(shard: number, payload: Uint8Array, series: number, samples: number): Promise<void>
}

/** A receiver that runs on the main thread (the debug sink). */
export interface MainSink {
  appendPayload(payload: Uint8Array, series: number, samples: number): Promise<void>
}

/** Cluster routing as the components see it; absent when clustering is off. */
export interface ClusterRouting {
  /** The current ownership snapshot for worker tasks, or undefined while no member is ready. */
  ownership(): PushOwnership | undefined
  /** Sends series owned by another member to it; resolves once that member has them in its WAL. */
  forward(
    ownership: PushOwnership,
    ownerIndex: number,
    componentId: string,
    payload: Uint8Array,
  ): Promise<void>
  /** True when this node owns the key (a scrape target) now. */
  ownsKey(key: string): boolean
  /** Called when ownership changes; returns an unsubscribe function. */
  onChange(listener: () => void): () => void
}

/** What the daemon gives every component. */
export interface NodeServices {
  readonly http: HttpServers
  readonly pipeline: MetricsPipeline
  readonly sinks: Map<string, ShardSink>
  readonly mains: Map<string, MainSink>
  /** Components that accept pushes forwarded by other members, by component id. */
  readonly ingest: Map<string, (payload: Uint8Array) => Promise<void>>
  readonly cluster: ClusterRouting | undefined
  readonly logger: Logger
  readonly version: string
  /** Set when the node shuts down: remote_write queues then drain their WAL before they stop. */
  readonly lifecycle: { draining: boolean }
}

/** A stage or sink named in a plan is gone (its component stopped or was reloaded away). */
export class SinkGoneError extends SluiceError {
  constructor(id: string) {
    super('SLUICE_ERR_SINK_GONE', `receiver ${id} is not running`, { status: 503 })
  }
}

/**
 * Hands every part of a processed push to where it belongs and resolves only when all of them are
 * durable: local parts in their WAL shards, remote parts in their owners' WALs. Any failure rejects,
 * so the sender is told to retry the whole request.
 */
export async function deliver(
  services: NodeServices,
  result: PushResult,
  ownership: PushOwnership | undefined,
  componentId: string,
): Promise<void> {
  const pending: Promise<void>[] = []
  for (const out of result.local) {
    const sink = services.sinks.get(out.sinkId)
    if (!sink) throw new SinkGoneError(out.sinkId)
    pending.push(sink.appendShard(out.shard, out.payload, out.series, out.samples))
  }
  for (const out of result.main) {
    const sink = services.mains.get(out.id)
    if (!sink) throw new SinkGoneError(out.id)
    pending.push(sink.appendPayload(out.payload, out.series, out.samples))
  }
  if (result.remote.length > 0) {
    if (!ownership || !services.cluster)
      throw new SluiceError('SLUICE_ERR_NOT_CLUSTERED', 'remote series without cluster routing', {
        status: 500,
      })
    for (const out of result.remote)
      pending.push(services.cluster.forward(ownership, out.ownerIndex, componentId, out.payload))
  }
  const settled = await Promise.allSettled(pending)
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
}
