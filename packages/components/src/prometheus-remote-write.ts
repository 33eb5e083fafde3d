import { join } from 'node:path'
import type { Schema } from '@sluice/config'
import { compareLabels, type Label } from '@sluice/contracts'
import type { StagePlan } from '@sluice/pipeline'
import type { RelabelRule } from '@sluice/relabel'
import {
  DEFAULT_QUEUE_CONFIG,
  type QueueConfig,
  RemoteWriteSender,
  type SenderOptions,
  WAL_FORMAT,
} from '@sluice/remote-write'
import type { Component, ComponentContext, ComponentDefinition } from '@sluice/runtime'
import { Wal } from '@sluice/wal'
import { CLIENT_BLOCKS, type ClientArgs, clientOptions } from './client-args.ts'
import { type MetricsReceiver, receiverCapsule } from './receiver.ts'
import { RULE_SCHEMA, rulesOf } from './rules.ts'
import type { NodeServices } from './services.ts'

interface EndpointArgs extends ClientArgs {
  url: string
  name?: string
  remote_timeout: number
  send_exemplars: boolean
  queue_config?: Partial<Record<keyof typeof QUEUE_DEFAULTS, number | boolean>>
  write_relabel_config?: unknown[]
}

interface Args {
  external_labels?: Record<string, string>
  endpoint?: EndpointArgs[]
  wal?: { max_keepalive_time?: number; max_size?: number }
}

const QUEUE_DEFAULTS = {
  capacity: { type: 'number', default: DEFAULT_QUEUE_CONFIG.capacity },
  min_shards: { type: 'number', default: DEFAULT_QUEUE_CONFIG.min_shards },
  max_shards: { type: 'number', default: DEFAULT_QUEUE_CONFIG.max_shards },
  max_samples_per_send: { type: 'number', default: DEFAULT_QUEUE_CONFIG.max_samples_per_send },
  batch_send_deadline: { type: 'duration', default: 5000 },
  min_backoff: { type: 'duration', default: 30 },
  max_backoff: { type: 'duration', default: 5000 },
  retry_on_http_429: { type: 'bool', default: true },
  sample_age_limit: { type: 'duration', default: 0 },
} as const

const schema: Schema = {
  attrs: { external_labels: { type: { object: 'string' } } },
  blocks: {
    endpoint: {
      multiple: true,
      schema: {
        attrs: {
          url: { type: 'string', required: true },
          name: { type: 'string' },
          remote_timeout: { type: 'duration', default: 30_000 },
          headers: { type: { object: 'string' } },
          send_exemplars: { type: 'bool', default: true },
          send_native_histograms: { type: 'bool', default: false },
          bearer_token: { type: 'secret' },
          bearer_token_file: { type: 'string' },
          follow_redirects: { type: 'bool', default: true },
          enable_http2: { type: 'bool', default: true },
          proxy_url: { type: 'string' },
        },
        blocks: {
          ...CLIENT_BLOCKS,
          queue_config: { schema: { attrs: QUEUE_DEFAULTS } },
          metadata_config: {
            schema: {
              attrs: {
                send: { type: 'bool', default: true },
                send_interval: { type: 'duration', default: 60_000 },
                max_samples_per_send: { type: 'number', default: 2000 },
              },
            },
          },
          write_relabel_config: { schema: RULE_SCHEMA, multiple: true },
        },
      },
    },
    // Alloy's wal block tunes truncation of its Prometheus WAL; Sluice's WAL keeps a record until the
    // backend accepted it, so max_keepalive_time bounds a record's age and max_size (Sluice's own) its bytes.
    wal: {
      schema: {
        attrs: {
          truncate_frequency: { type: 'duration', default: 7_200_000 },
          min_keepalive_time: { type: 'duration', default: 300_000 },
          max_keepalive_time: { type: 'duration', default: 28_800_000 },
          max_size: { type: 'bytes', default: 1_073_741_824 },
        },
      },
    },
  },
}

function queueConfig(q: EndpointArgs['queue_config']): QueueConfig {
  const ms = (key: string, fallback: number): number =>
    typeof q?.[key as keyof typeof q] === 'number' ? (q[key as keyof typeof q] as number) : fallback
  return {
    capacity: ms('capacity', DEFAULT_QUEUE_CONFIG.capacity),
    min_shards: ms('min_shards', DEFAULT_QUEUE_CONFIG.min_shards),
    max_shards: ms('max_shards', DEFAULT_QUEUE_CONFIG.max_shards),
    max_samples_per_send: ms('max_samples_per_send', DEFAULT_QUEUE_CONFIG.max_samples_per_send),
    batch_send_deadline_ms: ms('batch_send_deadline', DEFAULT_QUEUE_CONFIG.batch_send_deadline_ms),
    min_backoff_ms: ms('min_backoff', DEFAULT_QUEUE_CONFIG.min_backoff_ms),
    max_backoff_ms: ms('max_backoff', DEFAULT_QUEUE_CONFIG.max_backoff_ms),
    retry_on_http_429:
      typeof q?.retry_on_http_429 === 'boolean'
        ? q.retry_on_http_429
        : DEFAULT_QUEUE_CONFIG.retry_on_http_429,
    sample_age_limit_ms: ms('sample_age_limit', DEFAULT_QUEUE_CONFIG.sample_age_limit_ms),
  }
}

/**
 * The number of WAL shards (ordered logs) of an endpoint: max_shards capped at 16 (enough to keep a
 * remote backend's latency hidden), and at least min_shards. Each has at most one request in flight.
 * How many of them pushes are split into follows the load between min_shards and this, as
 * Prometheus resizes its shards (a clustered node uses them all: its members must agree).
 */
export function shardCount(queue: QueueConfig): number {
  return Math.max(1, queue.min_shards, Math.min(queue.max_shards, 16))
}

function externalLabelsOf(map: Record<string, string> | undefined): Label[] {
  return Object.entries(map ?? {})
    .map(([name, value]) => ({ name, value }))
    .sort(compareLabels)
}

class Endpoint {
  readonly sinkId: string
  readonly writeRelabel: RelabelRule[]
  readonly wal: Wal
  readonly sender: RemoteWriteSender
  /** In a cluster with a shard agreement: stops following it. */
  unfollow: (() => void) | undefined

  constructor(sinkId: string, writeRelabel: RelabelRule[], wal: Wal, sender: RemoteWriteSender) {
    this.sinkId = sinkId
    this.writeRelabel = writeRelabel
    this.wal = wal
    this.sender = sender
  }

  /** The shards pushes are split into now (the sender's count, which follows the load). */
  get shards(): number {
    return this.sender.shards
  }
}

/**
 * prometheus.remote_write: one WAL and one sender per endpoint. Pushes reach the WAL through the
 * worker task of the receiver (external labels, write relabelling and shard choice run there).
 */
class RemoteWrite implements Component<Args>, MetricsReceiver {
  readonly id: string
  readonly #ctx: ComponentContext<NodeServices>
  #endpoints: Endpoint[] = []
  #externalLabels: Label[] = []

  constructor(ctx: ComponentContext<NodeServices>) {
    this.id = ctx.id
    this.#ctx = ctx
    ctx.setExports({ receiver: receiverCapsule(this) })
  }

  plan(): StagePlan {
    const sinks: StagePlan[] = this.#endpoints.map((e) => ({
      kind: 'sink',
      id: e.sinkId,
      shards: e.shards,
      externalLabels: this.#externalLabels,
      writeRelabel: e.writeRelabel,
    }))
    if (sinks.length === 1) return sinks[0]!
    // Several endpoints: a stage without rules fans the series out to each of them.
    return { kind: 'relabel', id: `${this.id}/fanout`, rules: [], cacheSize: 0, next: sinks }
  }

  async open(args: Args): Promise<void> {
    this.#externalLabels = externalLabelsOf(args.external_labels)
    const endpoints: Endpoint[] = []
    try {
      for (const [i, e] of (args.endpoint ?? []).entries())
        endpoints.push(await this.#openEndpoint(e, i, args))
    } catch (err) {
      for (const e of endpoints) await e.wal.close()
      throw err
    }
    this.#endpoints = endpoints
    for (const e of endpoints) {
      this.#ctx.services.sinks.set(e.sinkId, {
        get shards() {
          return e.shards
        },
        // `payload` is a snappy block (the pipeline compresses sink outputs), stored as it is.
        appendShards: (records) => e.wal.appendShards(records),
        backlog: () => e.wal.stats(),
      })
      const agreement = this.#ctx.services.cluster?.shards
      const follow = (): void => {
        const agreed = agreement?.agreed(e.sinkId)
        if (agreed !== undefined) e.sender.reshard(agreed)
      }
      e.unfollow = agreement?.onChange(follow)
      // Starting publishes what this node wants, which may already change the agreement.
      e.sender.start()
      follow()
    }
  }

  async #openEndpoint(e: EndpointArgs, index: number, args: Args): Promise<Endpoint> {
    const name = e.name ?? String(index)
    const queue = queueConfig(e.queue_config)
    const shards = shardCount(queue)
    const wal = await Wal.open({
      path: join(this.#ctx.dataPath, `endpoint-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`),
      shards,
      maxBytes: args.wal?.max_size ?? 1024 ** 3,
      maxAgeMs: args.wal?.max_keepalive_time ?? 8 * 3600_000,
      registry: this.#ctx.registry,
      logger: this.#ctx.logger,
      component: `${this.id}/${name}`,
      // The pipeline's workers store snappy blocks; a WAL of uncompressed records (an earlier build)
      // is refused rather than sent as garbage.
      format: WAL_FORMAT,
    })
    const sinkId = `${this.id}/${name}`
    const cluster = this.#ctx.services.cluster
    const agreement = cluster?.shards
    const options: SenderOptions = {
      url: e.url,
      name,
      remoteTimeoutMs: e.remote_timeout,
      queue,
      sendExemplars: e.send_exemplars,
      registry: this.#ctx.registry,
      logger: this.#ctx.logger,
      component: this.id,
      wal,
      hold: cluster?.delivery,
      // Members route series to each other's shards by a count they must agree on: each says what its
      // load wants, and all follow the largest (without an agreement, the count is fixed).
      shardMode: cluster === undefined ? 'dynamic' : agreement !== undefined ? 'agreed' : 'fixed',
      onWantedShards: agreement === undefined ? undefined : (n) => agreement.want(sinkId, n),
    }
    Object.assign(options, clientOptions(e))
    const writeRelabel = rulesOf(e.write_relabel_config)
    return new Endpoint(sinkId, writeRelabel, wal, new RemoteWriteSender(options))
  }

  async update(args: Args): Promise<void> {
    // Endpoints are rebuilt; what their WALs hold stays on disk and the new senders send it.
    await this.stop()
    await this.open(args)
  }

  async stop(): Promise<void> {
    const endpoints = this.#endpoints
    this.#endpoints = []
    for (const e of endpoints) {
      this.#ctx.services.sinks.delete(e.sinkId)
      e.unfollow?.()
      this.#ctx.services.cluster?.shards?.want(e.sinkId, undefined)
    }
    if (this.#ctx.services.lifecycle.draining)
      await Promise.all(endpoints.map((e) => e.wal.waitUntilEmpty(DRAIN_TIMEOUT_MS)))
    await Promise.all(endpoints.map((e) => e.sender.stop({ drainTimeoutMs: 5000 })))
    await Promise.all(endpoints.map((e) => e.wal.close()))
  }
}

/** How long a shutting-down node waits for its queues to deliver what its WAL holds. */
const DRAIN_TIMEOUT_MS = 30_000

export const prometheusRemoteWrite: ComponentDefinition<Args, NodeServices> = {
  name: 'prometheus.remote_write',
  args: schema,
  async build(ctx, args) {
    const component = new RemoteWrite(ctx)
    await component.open(args)
    return component
  },
}
