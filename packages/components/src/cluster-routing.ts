import { setTimeout as sleep } from 'node:timers/promises'
import {
  type Cluster,
  CrashHold,
  HandoverGate,
  NOT_FLUSHED,
  OwnershipTable,
  type OwnershipTablePlain,
} from '@sluice/cluster'
import { type DeliveryHold, SluiceError } from '@sluice/contracts'
import type { PushOwnership } from '@sluice/pipeline'
import { Counter, Gauge, Histogram, type Logger, nullLogger, type Registry } from '@sluice/telemetry'
import { Agent, request } from 'undici'
import type {
  Admission,
  ClusterRouting,
  LocalOwnership,
  PreviousOwnerWait,
  ShardAgreement,
  WalBacklog,
} from './services.ts'

/**
 * The path on a member's main HTTP server that takes the WAL records of series it owns, produced by the
 * member that received them (a forward body of `@sluice/pipeline`). It replaced `/-/cluster/write`
 * (raw series, run through the plan again by the owner); a cluster runs one version of it.
 */
export const FORWARD_PATH = '/-/cluster/append'
/** Content type of a forward body. */
export const FORWARD_CONTENT_TYPE = 'application/x-sluice-forward'
/** The path that takes log streams routed to this member: a Loki `PushRequest`, uncompressed. */
export const LOGS_FORWARD_PATH = '/-/cluster/loki'
/** The header of a forwarded push that names the ownership version it was routed by. */
export const OWNERSHIP_VERSION_HEADER = 'x-sluice-ownership-version'
/** Default bound of a hand-over hold: past it, writes go through even if an old owner has not flushed. */
export const DEFAULT_MAX_HOLD_MS = 30_000
/** Default bound of a crash hold: past it, delivery goes on although a crashed member has not come back. */
export const DEFAULT_CRASH_HOLD_MS = 30_000

/** How often the WAL backlog is looked at while a flush claim is pending, and a hold re-checked. */
const POLL_MS = 20

/**
 * How long a node that gained a key while it knew no ready member waits before it looks for the
 * members it must hear let go of: two heartbeat intervals at the default, the time a node that just
 * joined takes to hear the members it joined through.
 */
const BLIND_GAIN_GRACE_MS = 2000

/** A forward to the owner failed; the edge is told to retry (the owner, or a new one, takes it then). */
export class ForwardError extends SluiceError {
  constructor(member: string, message: string, cause?: unknown) {
    super('SLUICE_ERR_FORWARD', `forward to ${member} failed: ${message}`, { status: 503, cause })
  }
}

/** A write was routed by another ownership table than this node's: ownership is changing; retry. */
export class OwnershipVersionError extends SluiceError {
  constructor(got: number, want: number) {
    super(
      'SLUICE_ERR_OWNERSHIP_VERSION',
      `push routed by ownership version ${got}, this node is at ${want}; ownership is changing, retry`,
      { status: 503 },
    )
  }
}

/** A write for keys this node just gained, while their previous owner may still hold older samples. */
export class HandoverHoldError extends SluiceError {
  constructor(waitingFor: readonly string[]) {
    super(
      'SLUICE_ERR_HANDOVER_HOLD',
      `ownership hand-over in progress: waiting for ${waitingFor.join(', ')} to flush; retry`,
      { status: 503 },
    )
  }
}

export interface ClusterForwarderOptions {
  /** Shared-secret bearer token for forwards, when the cluster has a secret. */
  token?: string
  /** What this node's WALs hold unsent; the flush claim waits until nothing written before it is left. */
  backlog: () => WalBacklog
  /** Bound of a hand-over hold; default {@link DEFAULT_MAX_HOLD_MS}. */
  maxHoldMs?: number
  /** Bound of a crash hold (see `CrashHold` in `@sluice/cluster`); default {@link DEFAULT_CRASH_HOLD_MS}, 0 disables. */
  crashHoldMs?: number
  registry: Registry
  logger?: Logger
}

class PendingAdmission implements Admission {
  readonly done: Promise<void>
  readonly release: () => void

  constructor(set: Set<PendingAdmission>) {
    const { promise, resolve } = Promise.withResolvers<void>()
    this.done = promise
    this.release = () => {
      set.delete(this)
      resolve()
    }
    set.add(this)
  }
}

class HandoverMetrics {
  readonly holds: Counter<'reason'>
  readonly handovers: Counter<'result'>
  readonly holdSeconds: Histogram
  readonly holding: Gauge
  readonly flushSeconds: Histogram
  readonly crashHolds: Counter<'result'>
  readonly crashHoldSeconds: Histogram
  readonly deliveryHeld: Gauge

  constructor(registry: Registry) {
    const registers = [registry]
    const buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    this.holds = new Counter({
      name: 'sluice_cluster_handover_holds_total',
      help: 'Writes refused with 503 during a change of ownership, by reason: handover (a previous owner has not flushed yet) or ownership_version (routed by another ownership table).',
      labelNames: ['reason'],
      registers,
    })
    this.handovers = new Counter({
      name: 'sluice_cluster_handovers_total',
      help: 'Changes of ownership in which this node gained keys and held their writes, by how the hold ended (released, timed_out).',
      labelNames: ['result'],
      registers,
    })
    this.holdSeconds = new Histogram({
      name: 'sluice_cluster_handover_hold_seconds',
      help: 'How long this node held writes for keys it gained, until their previous owners flushed.',
      buckets,
      registers,
    })
    this.holding = new Gauge({
      name: 'sluice_cluster_handover_holding',
      help: '1 while this node holds writes for keys it gained, 0 otherwise.',
      registers,
    })
    this.flushSeconds = new Histogram({
      name: 'sluice_cluster_flush_seconds',
      help: 'Time from adopting a new ownership table to having delivered everything written under older ones.',
      buckets,
      registers,
    })
    this.crashHolds = new Counter({
      name: 'sluice_cluster_crash_holds_total',
      help: 'Times delivery was paused for members that vanished without leaving, by how the pause ended: recovered (they came back and sent their WALs) or timed_out.',
      labelNames: ['result'],
      registers,
    })
    this.crashHoldSeconds = new Histogram({
      name: 'sluice_cluster_crash_hold_seconds',
      help: 'How long delivery was paused for members that vanished without leaving.',
      buckets,
      registers,
    })
    this.deliveryHeld = new Gauge({
      name: 'sluice_cluster_delivery_held',
      help: '1 while this node sends nothing to backends because a crashed member is awaited, 0 otherwise.',
      registers,
    })
  }
}

/**
 * Series routing over a running cluster: ownership snapshots for the worker tasks, forwarding of
 * other members' series over their data-plane URL, and both sides of the hand-over when ownership
 * changes (docs/cluster.md, "Hand-over"):
 *
 * - **giving**: after each new table, wait for the writes admitted under older tables, then until
 *   the WALs hold nothing written before that moment, and claim the version as flushed;
 * - **gaining**: refuse (503) writes until the previous owners of the gained keys claim the version;
 * - **crashes**: when a member vanishes without leaving, keep accepting writes but pause every sender
 *   ({@link delivery}) until it is back and has sent its WAL, or the crash hold's bound passes.
 *
 * And on every write to this node's WALs: the push must have been routed by this node's table.
 */
export class ClusterForwarder implements ClusterRouting {
  readonly #cluster: Cluster
  readonly #token: string | undefined
  readonly #backlog: () => WalBacklog
  readonly #log: Logger
  readonly #agent = new Agent({ keepAliveTimeout: 30_000, connections: 16, pipelining: 1 })
  readonly #gate: HandoverGate
  readonly #crash: CrashHold
  readonly #admitted = new Set<PendingAdmission>()
  readonly #forwards: Counter
  readonly #metrics: HandoverMetrics
  #table: OwnershipTable
  /** The table {@link #table} replaced: who owned a key before the latest change. */
  #previous: OwnershipTable = new OwnershipTable([])
  #snapshot: PushOwnership | undefined
  #local: LocalOwnership | undefined
  #holdTimer: NodeJS.Timeout | undefined
  #crashTimer: NodeJS.Timeout | undefined
  /** Resolved when the current crash hold ends; undefined while delivery is not held. */
  #crashHeld: PromiseWithResolvers<void> | undefined
  #closed = false

  constructor(cluster: Cluster, options: ClusterForwarderOptions) {
    this.#cluster = cluster
    this.#token = options.token
    this.#backlog = options.backlog
    this.#log = (options.logger ?? nullLogger).child({ component: 'cluster_handover' })
    this.#table = cluster.ownership()
    this.#snapshot = this.#snapshotOf(this.#table)
    this.#local = this.#localOf(this.#table)
    this.#gate = new HandoverGate(cluster.self.id, options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS, this.#table)
    this.#crash = new CrashHold(cluster.self.id, options.crashHoldMs ?? DEFAULT_CRASH_HOLD_MS)
    this.#forwards = new Counter({
      name: 'sluice_cluster_forwards_total',
      help: 'Pushes forwarded to the owning member, by result.',
      labelNames: ['result'],
      registers: [options.registry],
    })
    this.#metrics = new HandoverMetrics(options.registry)
    cluster.on('change', (table) => this.#adopt(table))
    this.#flush(this.#table.version)
  }

  #snapshotOf(table: OwnershipTable): PushOwnership | undefined {
    if (table.members.length === 0) return undefined
    return {
      table: table.toPlain(),
      selfIndex: table.members.findIndex((m) => m.id === this.#cluster.self.id),
    }
  }

  #localOf(table: OwnershipTable): LocalOwnership | undefined {
    if (table.members.length === 0) return undefined
    return { table, selfIndex: table.indexOf(this.#cluster.self.id) }
  }

  /** Runs synchronously in the cluster's change event, so no write can be admitted in between. */
  #adopt(table: OwnershipTable): void {
    const prev = this.#table
    this.#previous = prev
    this.#table = table
    this.#snapshot = this.#snapshotOf(table)
    this.#local = this.#localOf(table)
    const wasHolding = this.#gate.waitingFor.length > 0
    this.#gate.adopt(prev, table, Date.now())
    const waitingFor = this.#gate.waitingFor
    if (waitingFor.length > 0) {
      if (!wasHolding) this.#metrics.holding.set(1)
      this.#log.info(
        { version: table.version, waitingFor },
        'holding writes for gained keys until their previous owners flush',
      )
      this.#holdTimer ??= setInterval(() => this.#checkHold(), POLL_MS)
    }
    const crashed = this.#crash.adopt(prev, table, this.#cluster.members(), Date.now())
    if (crashed.length > 0) {
      this.#log.warn(
        { crashed, awaiting: this.#crash.awaiting },
        'members vanished without leaving: delivery paused until they are back and have sent their WALs',
      )
      if (this.#crashHeld === undefined) {
        this.#crashHeld = Promise.withResolvers()
        this.#metrics.deliveryHeld.set(1)
      }
      this.#crashTimer ??= setInterval(() => this.#checkCrash(), POLL_MS)
    }
    // The claim for the previous version no longer says anything about this one.
    this.#cluster.setFlushed(NOT_FLUSHED)
    this.#flush(table.version)
  }

  /**
   * Claims `version` as flushed once the writes admitted before it have settled and the WALs hold
   * nothing appended before that moment. A newer table supersedes the wait (its claim covers this one).
   */
  #flush(version: number): void {
    const started = performance.now()
    const before = [...this.#admitted].map((a) => a.done)
    void (async () => {
      await Promise.all(before)
      // WAL records carry `performance.timeOrigin + performance.now()` as their append time.
      const mark = performance.timeOrigin + performance.now()
      for (;;) {
        if (this.#closed || this.#table.version !== version) return
        const oldest = this.#backlog().oldestAppendedAt
        if (oldest === undefined || oldest > mark) break
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      }
      this.#metrics.flushSeconds.observe((performance.now() - started) / 1000)
      this.#cluster.setFlushed(version)
    })()
  }

  #checkHold(): void {
    const state = this.#gate.check(this.#cluster.members(), Date.now())
    if (state === 'holding') return
    clearInterval(this.#holdTimer)
    this.#holdTimer = undefined
    this.#metrics.holding.set(0)
    if (state === 'open') return
    const seconds = (Date.now() - this.#gate.since) / 1000
    this.#metrics.holdSeconds.observe(seconds)
    this.#metrics.handovers.inc({ result: state })
    if (state === 'timed_out')
      this.#log.warn(
        { version: this.#gate.version, seconds },
        'hand-over hold timed out: writes go through although a previous owner has not flushed; out-of-order rejections are possible',
      )
    else this.#log.info({ version: this.#gate.version, seconds }, 'hand-over complete; writes released')
  }

  #checkCrash(): void {
    const state = this.#crash.check(this.#cluster.members(), Date.now())
    if (state === 'holding') return
    this.#endCrashHold()
    if (state === 'open') return
    const seconds = (Date.now() - this.#crash.since) / 1000
    this.#metrics.crashHoldSeconds.observe(seconds)
    this.#metrics.crashHolds.inc({ result: state })
    if (state === 'timed_out')
      this.#log.warn(
        { seconds },
        'crash hold timed out: delivery resumes; what a crashed member still holds will arrive late',
      )
    else this.#log.info({ seconds }, 'crashed members are back and have sent their WALs; delivery resumes')
  }

  #endCrashHold(): void {
    clearInterval(this.#crashTimer)
    this.#crashTimer = undefined
    this.#metrics.deliveryHeld.set(0)
    this.#crashHeld?.resolve()
    this.#crashHeld = undefined
  }

  /** Names of the crashed members delivery is held for (empty when it is not held). */
  get deliveryHeldFor(): string[] {
    return this.#crash.awaiting
  }

  readonly delivery: DeliveryHold = {
    wait: (signal) => {
      const held = this.#crashHeld
      if (held === undefined) return undefined
      return new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done)
          resolve()
        }
        signal.addEventListener('abort', done, { once: true })
        void held.promise.then(done)
        if (signal.aborted) done()
      })
    },
  }

  readonly shards: ShardAgreement = {
    want: (sinkId, shards) => this.#cluster.wantShards(sinkId, shards),
    agreed: (sinkId) => this.#cluster.agreedShards(sinkId),
    onChange: (listener) => this.#cluster.on('shards', listener),
  }

  ownership(): PushOwnership | undefined {
    return this.#snapshot
  }

  localOwnership(): LocalOwnership | undefined {
    return this.#local
  }

  admit(version: number): Admission {
    if (version !== this.#table.version) {
      this.#metrics.holds.inc({ reason: 'ownership_version' })
      throw new OwnershipVersionError(version, this.#table.version)
    }
    if (this.#holdTimer !== undefined) {
      this.#checkHold()
      if (this.#holdTimer !== undefined) {
        this.#metrics.holds.inc({ reason: 'handover' })
        throw new HandoverHoldError(this.#gate.waitingFor)
      }
    }
    return new PendingAdmission(this.#admitted)
  }

  /** Resolves true once this node claims its current ownership version as flushed, false after `timeoutMs`. */
  async waitFlushed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (this.#cluster.self.flushed !== this.#table.version) {
      if (Date.now() >= deadline || this.#closed) return false
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
    return true
  }

  async waitForPreviousOwner(
    key: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<PreviousOwnerWait> {
    const deadline = Date.now() + timeoutMs
    const self = this.#cluster.self.id
    let waiting: Set<string>
    if (this.#previous.members.length > 0) {
      // Taken now: a later change must not make another member this key's previous owner.
      const previous = this.#previous.members[this.#previous.ownerOfKey(key)]!.id
      if (previous === self) return 'none'
      waiting = new Set([previous])
    } else {
      // This node took the key while it knew no ready member: either it is the first one, or it
      // became ready before the others' heartbeats reached it and they may scrape the key meanwhile.
      // Give them time to be heard, then wait for every member it knows to let go.
      try {
        await sleep(Math.min(BLIND_GAIN_GRACE_MS, timeoutMs), undefined, signal ? { signal } : undefined)
      } catch {
        return 'aborted'
      }
      waiting = new Set(this.#cluster.members().map((m) => m.id))
      waiting.delete(self)
      if (waiting.size === 0) return 'none'
    }
    let claimed = false
    for (;;) {
      if (this.#closed || signal?.aborted) return 'aborted'
      const live = new Map(this.#cluster.members().map((m) => [m.id, m]))
      for (const id of waiting) {
        const member = live.get(id)
        // The current version, not the one of the gain: a member that moved on claims only the newest.
        if (member !== undefined && member.flushed !== this.#table.version) continue
        if (member !== undefined) claimed = true
        waiting.delete(id)
      }
      if (waiting.size === 0) return claimed ? 'claimed' : 'gone'
      if (Date.now() >= deadline) return 'timed_out'
      try {
        await sleep(POLL_MS, undefined, signal ? { signal } : undefined)
      } catch {
        return 'aborted'
      }
    }
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
    const table = ownership.table as OwnershipTablePlain
    await this.#post(
      FORWARD_PATH,
      FORWARD_CONTENT_TYPE,
      table.dataUrls[ownerIndex],
      ownerIndex,
      table.version,
      componentId,
      payload,
    )
  }

  async forwardLogs(
    table: OwnershipTable,
    ownerIndex: number,
    componentId: string,
    payload: Uint8Array,
  ): Promise<void> {
    const dataUrl = table.members[ownerIndex]?.dataUrl
    await this.#post(
      LOGS_FORWARD_PATH,
      'application/x-protobuf',
      dataUrl,
      ownerIndex,
      table.version,
      componentId,
      payload,
    )
  }

  /** POSTs a routed payload to a member's forward path; resolves on its 2xx (durable there). */
  async #post(
    path: string,
    contentType: string,
    dataUrl: string | undefined,
    ownerIndex: number,
    version: number,
    componentId: string,
    payload: Uint8Array,
  ): Promise<void> {
    if (!dataUrl) throw new ForwardError(`member #${ownerIndex}`, 'not in the ownership table')
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-sluice-component': componentId,
      [OWNERSHIP_VERSION_HEADER]: String(version),
    }
    if (this.#token) headers.authorization = `Bearer ${this.#token}`
    try {
      const res = await request(`${dataUrl}${path}`, {
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
    this.#closed = true
    clearInterval(this.#holdTimer)
    this.#holdTimer = undefined
    this.#endCrashHold()
    await this.#agent.close()
  }
}
