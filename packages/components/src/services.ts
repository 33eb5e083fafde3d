import type { OwnershipTable } from '@sluice/cluster/ownership'
import { type DeliveryHold, isSluiceError, SluiceError } from '@sluice/contracts'
import type { ForwardPart, MetricsPipeline, PushJob, PushOwnership, PushResult } from '@sluice/pipeline'
import type { Logger } from '@sluice/telemetry'
import type { HttpServers } from './http.ts'

/** What a sink's WAL holds unsent. */
export interface WalBacklog {
  records: number
  /** `performance.timeOrigin`-based ms of the oldest record held, undefined when empty. */
  oldestAppendedAt: number | undefined
}

/** One WAL record for a sink's shard: a snappy block of `series` series and `samples` samples. */
export interface ShardRecord {
  shard: number
  /** The sink's shard count `shard` was chosen with. */
  shards: number
  payload: Uint8Array
  series: number
  samples: number
}

/** Where a sink (a remote_write endpoint) takes the series a push produced for its WAL shards. */
export interface ShardSink {
  /** The shards records are split into now; a record split for another count is refused. */
  readonly shards: number
  /**
   * Appends each record to its shard, all in one WAL write; resolves once all are durable. A push's
   * records for one sink come in one call, in the order the pipeline produced them.
   */
  appendShards(records: readonly ShardRecord[]): Promise<void>
  /** What its WAL still holds; cluster hand-over waits on it (see docs/cluster.md). */
  backlog?(): WalBacklog
}

/** A WAL outside the metrics sinks (a `loki.write` endpoint's) that the hand-over also waits on. */
export interface BacklogSource {
  backlog(): WalBacklog
}

/** The backlog of all sinks together: total records, and the oldest of their oldest records. */
export function walBacklog(sinks: Iterable<{ backlog?(): WalBacklog }>): WalBacklog {
  let records = 0
  let oldestAppendedAt: number | undefined
  for (const sink of sinks) {
    const b = sink.backlog?.()
    if (b === undefined) continue
    records += b.records
    if (
      b.oldestAppendedAt !== undefined &&
      (oldestAppendedAt === undefined || b.oldestAppendedAt < oldestAppendedAt)
    )
      oldestAppendedAt = b.oldestAppendedAt
  }
  return { records, oldestAppendedAt }
}

/** A write admitted under one ownership version; `release` once its WAL appends have settled. */
export interface Admission {
  release(): void
}

/** A receiver that runs on the main thread (the debug sink). */
export interface MainSink {
  appendPayload(payload: Uint8Array, series: number, samples: number): Promise<void>
}

/** The current ownership table with this node's index in it (-1 when it owns nothing), for main-thread routing. */
export interface LocalOwnership {
  readonly table: OwnershipTable
  readonly selfIndex: number
}

/** Cluster routing as the components see it; absent when clustering is off. */
export interface ClusterRouting {
  /** The current ownership snapshot for worker tasks, or undefined while no member is ready. */
  ownership(): PushOwnership | undefined
  /**
   * Sends the WAL records of series owned by another member to it (a forward body, see
   * `@sluice/pipeline`'s `encodeForwardBody`); resolves once that member has them in its WALs.
   */
  forward(
    ownership: PushOwnership,
    ownerIndex: number,
    componentId: string,
    payload: Uint8Array,
  ): Promise<void>
  /**
   * Admits a write to this node's WALs routed with ownership `version`. Throws (503, the sender
   * retries) when the version is not this node's current one, or while a hand-over holds writes.
   */
  admit(version: number): Admission
  /** The current table for routing on the main thread (log streams), or undefined while no member is ready. */
  localOwnership(): LocalOwnership | undefined
  /**
   * Sends log streams owned by member `ownerIndex` of `table` to it, as an uncompressed Loki
   * `PushRequest`; resolves once that member has them durable in its WALs.
   */
  forwardLogs(
    table: OwnershipTable,
    ownerIndex: number,
    componentId: string,
    payload: Uint8Array,
  ): Promise<void>
  /** True when this node owns the key (a scrape target) now. */
  ownsKey(key: string): boolean
  /**
   * Called when ownership changes; returns an unsubscribe function. Listeners run synchronously in the
   * change event, before this node can claim the new version as flushed: what a listener stops there
   * (a scrape loop of a lost target) is stopped when the other members hear the claim.
   */
  onChange(listener: () => void): () => void
  /**
   * Waits until a key this node gained with the latest change of ownership may be taken up: its owner
   * under the previous table claims the current version as flushed (`claimed`) or has left (`gone`);
   * `none` at once when that owner was this node. When the previous table was empty (this node knew
   * no ready member), it waits a short grace for the others to be heard, then for every member it
   * knows (`none` when there is none). `timed_out` after `timeoutMs`; `aborted` when `signal` aborts
   * or routing closes. Absent in routings without a hand-over.
   */
  waitForPreviousOwner?(key: string, timeoutMs: number, signal?: AbortSignal): Promise<PreviousOwnerWait>
  /**
   * The pause every sender of the node honours while a member that crashed is awaited (it may hold
   * older samples of keys this node took over); absent in routings without one.
   */
  readonly delivery?: DeliveryHold
  /**
   * The remote-write shard counts the members agree on; absent in routings without an agreement (a
   * clustered sink then keeps all of its WAL's shards).
   */
  readonly shards?: ShardAgreement
}

/**
 * One shard count per sink across the cluster: members split series for each other's shards, so a
 * sink must use the same count on every member. Each member says what its own load wants; the sink
 * runs with the largest of those (docs/cluster.md, "Remote-write shards").
 */
export interface ShardAgreement {
  /** Publishes what this node wants for `sinkId`; undefined withdraws it (the sink stopped). */
  want(sinkId: string, shards: number | undefined): void
  /** The count agreed for `sinkId`, undefined while no member wants one. */
  agreed(sinkId: string): number | undefined
  /** Called whenever an agreed count changes; returns the unsubscribe. */
  onChange(listener: () => void): () => void
}

/** How {@link ClusterRouting.waitForPreviousOwner} ended. */
export type PreviousOwnerWait = 'none' | 'claimed' | 'gone' | 'timed_out' | 'aborted'

/** What the daemon gives every component. */
export interface NodeServices {
  readonly http: HttpServers
  readonly pipeline: MetricsPipeline
  readonly sinks: Map<string, ShardSink>
  readonly mains: Map<string, MainSink>
  /** Logs components that accept streams forwarded by other members (a Loki `PushRequest`), by component id. */
  readonly logIngest: Map<string, (payload: Uint8Array) => Promise<void>>
  /** Logs WALs (`loki.write` endpoints), by id: the hand-over and the drains wait on them as on `sinks`. */
  readonly logSinks: Map<string, BacklogSource>
  readonly cluster: ClusterRouting | undefined
  readonly logger: Logger
  readonly version: string
  /** Set when the node shuts down: remote_write queues then drain their WAL before they stop. */
  readonly lifecycle: { draining: boolean }
}

/** What every WAL of the node holds unsent: the metrics sinks' and the logs WALs'. */
export function nodeBacklog(services: Pick<NodeServices, 'sinks' | 'logSinks'>): WalBacklog {
  return walBacklog([...services.sinks.values(), ...services.logSinks.values()])
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
 * so the sender is told to retry the whole request. A routed push with local parts is first admitted
 * by the cluster (ownership version and hand-over, see docs/cluster.md), before anything is written
 * or forwarded, so that a refused push leaves no partial copy behind.
 */
export async function deliver(
  services: NodeServices,
  result: PushResult,
  ownership: PushOwnership | undefined,
  componentId: string,
): Promise<void> {
  const admission =
    ownership && services.cluster && (result.local.length > 0 || result.main.length > 0)
      ? services.cluster.admit(ownershipVersion(ownership))
      : undefined
  const local: Promise<void>[] = []
  const remote: Promise<void>[] = []
  try {
    // Checked first, appended then, in one synchronous pass: no sink changes its count in between.
    for (const [sink, records] of sinkTargets(services.sinks, result.local, ReshardedError))
      local.push(sink.appendShards(records))
    for (const out of result.main) {
      const sink = services.mains.get(out.id)
      if (!sink) throw new SinkGoneError(out.id)
      local.push(sink.appendPayload(out.payload, out.series, out.samples))
    }
    if (result.remote.length > 0) {
      if (!ownership || !services.cluster)
        throw new SluiceError('SLUICE_ERR_NOT_CLUSTERED', 'remote series without cluster routing', {
          status: 500,
        })
      for (const out of result.remote)
        remote.push(services.cluster.forward(ownership, out.ownerIndex, componentId, out.payload))
    }
  } finally {
    // The admission covers this node's own appends only: a slow forward must not delay its flush claim.
    if (admission) void Promise.allSettled(local).then(() => admission.release())
  }
  const settled = await Promise.allSettled([...local, ...remote])
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
}

/** How often a push nobody would resend is split again after a sink changed its shard count. */
const RESHARD_ATTEMPTS = 3

/**
 * Runs a push that no sender would retry (a scrape's) through the pipeline and delivers it; when a
 * sink changed its shard count while the push was split, nothing was appended, and the push is split
 * again. `job` builds it anew for each attempt: a job's body moves to a worker thread.
 */
export async function pushAndDeliver(
  services: NodeServices,
  job: () => PushJob,
  componentId: string,
): Promise<PushResult> {
  for (let attempt = 1; ; attempt++) {
    const ownership = services.cluster?.ownership()
    const built = job()
    const result = await services.pipeline.push(ownership ? { ...built, ownership } : built)
    try {
      await deliver(services, result, ownership, componentId)
      return result
    } catch (err) {
      if (attempt >= RESHARD_ATTEMPTS || !isSluiceError(err, 'SLUICE_ERR_RESHARDED')) throw err
    }
  }
}

/**
 * A push was split for a sink's previous shard count: the sink changed it (by load) while the push was
 * in the worker pool. Appending the old split would put series in other shards than their newer
 * samples; the sender retries and the push is split again.
 */
export class ReshardedError extends SluiceError {
  constructor(sinkId: string, got: number, have: number) {
    super(
      'SLUICE_ERR_RESHARDED',
      `${sinkId} went from ${got} to ${have} shards while the push was processed; retry`,
      { status: 503 },
    )
  }
}

/** A forwarded record is for a sink this node runs with another shard count (configs differ): retry. */
export class ForwardShardsError extends SluiceError {
  constructor(sinkId: string, got: number, have: number) {
    super(
      'SLUICE_ERR_FORWARD_SHARDS',
      `record for ${sinkId} sharded for ${got} shards, this node's sink has ${have}; configurations differ, retry`,
      { status: 503 },
    )
  }
}

/**
 * The owner's side of a metrics forward: appends the records another member produced for this node's
 * sinks, as they are (no decode). Every part is checked first (its sink runs here, with the same shard
 * count), so a refused forward appends nothing; resolves once all are durable, else rejects with the
 * first failure. The caller has admitted the write (ownership version, hand-over).
 */
export async function appendForwarded(
  sinks: ReadonlyMap<string, ShardSink>,
  parts: readonly ForwardPart[],
): Promise<void> {
  const targets = sinkTargets(sinks, parts, ForwardShardsError)
  const settled = await Promise.allSettled(targets.map(([sink, records]) => sink.appendShards(records)))
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
}

/**
 * Records grouped by the sink they are for, each group in the given order, after checking that every
 * sink runs here (else {@link SinkGoneError}) and splits into the count each record was split for
 * (else `ShardsError`): a refused set appends nothing.
 */
function sinkTargets<R extends ShardRecord & { sinkId: string }>(
  sinks: ReadonlyMap<string, ShardSink>,
  records: readonly R[],
  ShardsError: new (sinkId: string, got: number, have: number) => SluiceError,
): [ShardSink, R[]][] {
  const groups = new Map<string, R[]>()
  for (const record of records) {
    const group = groups.get(record.sinkId)
    if (group === undefined) groups.set(record.sinkId, [record])
    else group.push(record)
  }
  const targets: [ShardSink, R[]][] = []
  for (const [sinkId, group] of groups) {
    const sink = sinks.get(sinkId)
    if (!sink) throw new SinkGoneError(sinkId)
    for (const record of group)
      if (record.shards !== sink.shards) throw new ShardsError(sinkId, record.shards, sink.shards)
    targets.push([sink, group])
  }
  return targets
}

/** The version of the ownership table a push was routed by. */
export function ownershipVersion(ownership: PushOwnership): number {
  return (ownership.table as { version: number }).version
}
