import { join } from 'node:path'
import type { Schema } from '@sluice/config'
import { compareLabels, type Label, sortLabels } from '@sluice/contracts'
import { DEFAULT_ENDPOINT, type LokiEndpointOptions, LokiSender, recordsByShard } from '@sluice/loki'
import type { Component, ComponentContext, ComponentDefinition } from '@sluice/runtime'
import type { Counter } from '@sluice/telemetry'
import { Wal } from '@sluice/wal'
import type { LokiStream } from '@sluice/wire'
import { CLIENT_BLOCKS, type ClientArgs, clientOptions } from './client-args.ts'
import { entryCount, type LogsReceiver, logsReceiverCapsule } from './loki-receiver.ts'
import { counter } from './prometheus-receive-http.ts'
import { type NodeServices, SinkGoneError, walBacklog } from './services.ts'

interface EndpointArgs extends ClientArgs {
  url: string
  name?: string
  batch_size: number
  batch_wait: number
  remote_timeout: number
  tenant_id?: string
  min_backoff_period: number
  max_backoff_period: number
  max_backoff_retries: number
  retry_on_http_429: boolean
  queue_config?: { drain_timeout?: number }
}

interface Args {
  endpoint?: EndpointArgs[]
  external_labels?: Record<string, string>
  wal?: { max_size?: number }
}

/**
 * WAL shards per endpoint: each has one request in flight, which is what keeps a stream in order.
 * Four keep a remote Loki's latency hidden without opening many connections per endpoint.
 */
export const LOKI_SHARDS = 4

const schema: Schema = {
  attrs: { external_labels: { type: { object: 'string' } } },
  blocks: {
    endpoint: {
      multiple: true,
      schema: {
        attrs: {
          url: { type: 'string', required: true },
          name: { type: 'string' },
          headers: { type: { object: 'string' } },
          batch_size: { type: 'bytes', default: '1MiB' },
          batch_wait: { type: 'duration', default: '1s' },
          remote_timeout: { type: 'duration', default: '10s' },
          tenant_id: { type: 'string' },
          min_backoff_period: { type: 'duration', default: '500ms' },
          max_backoff_period: { type: 'duration', default: '5m' },
          max_backoff_retries: { type: 'number', default: 10 },
          retry_on_http_429: { type: 'bool', default: true },
          bearer_token: { type: 'secret' },
          bearer_token_file: { type: 'string' },
          follow_redirects: { type: 'bool', default: true },
          enable_http2: { type: 'bool', default: true },
          proxy_url: { type: 'string' },
        },
        blocks: {
          ...CLIENT_BLOCKS,
          queue_config: {
            schema: {
              attrs: {
                capacity: { type: 'bytes', default: '10MiB' },
                drain_timeout: { type: 'duration', default: '15s' },
              },
            },
          },
        },
      },
    },
    // Alloy's wal block switches its optional WAL on; Sluice always writes one. max_size is Sluice's own.
    wal: {
      schema: {
        attrs: {
          enabled: { type: 'bool', default: false },
          max_segment_age: { type: 'duration', default: '1h' },
          min_read_frequency: { type: 'duration', default: '250ms' },
          max_read_frequency: { type: 'duration', default: '1s' },
          drain_timeout: { type: 'duration', default: '15s' },
          max_size: { type: 'bytes', default: '1GiB' },
        },
      },
    },
  },
}

/** Stream labels win over external labels of the same name, as in Alloy's client. */
function withExternal(labels: readonly Label[], external: readonly Label[]): Label[] {
  if (external.length === 0) return labels as Label[]
  const merged = [...labels]
  for (const e of external) if (!labels.some((l) => l.name === e.name)) merged.push(e)
  return sortLabels(merged)
}

/** The sender options of one decoded endpoint block. */
export function endpointOptions(e: EndpointArgs, component: string): LokiEndpointOptions {
  const options: LokiEndpointOptions = {
    url: e.url,
    component,
    batchSizeBytes: e.batch_size ?? DEFAULT_ENDPOINT.batchSizeBytes,
    batchWaitMs: e.batch_wait ?? DEFAULT_ENDPOINT.batchWaitMs,
    remoteTimeoutMs: e.remote_timeout ?? DEFAULT_ENDPOINT.remoteTimeoutMs,
    minBackoffMs: e.min_backoff_period ?? DEFAULT_ENDPOINT.minBackoffMs,
    maxBackoffMs: e.max_backoff_period ?? DEFAULT_ENDPOINT.maxBackoffMs,
    maxBackoffRetries: e.max_backoff_retries ?? DEFAULT_ENDPOINT.maxBackoffRetries,
    retryOnHttp429: e.retry_on_http_429 ?? DEFAULT_ENDPOINT.retryOnHttp429,
  }
  if (e.name) options.name = e.name
  if (e.tenant_id) options.tenantId = e.tenant_id
  Object.assign(options, clientOptions(e))
  return options
}

class Endpoint {
  readonly name: string
  readonly wal: Wal
  readonly sender: LokiSender
  readonly drainTimeoutMs: number

  constructor(name: string, wal: Wal, sender: LokiSender, drainTimeoutMs: number) {
    this.name = name
    this.wal = wal
    this.sender = sender
    this.drainTimeoutMs = drainTimeoutMs
  }
}

/**
 * loki.write: one WAL and one sender per endpoint. A push is acknowledged once its entries are in the
 * WAL of every endpoint, sharded by stream so that each stream reaches Loki in order.
 */
class LokiWrite implements Component<Args>, LogsReceiver {
  readonly id: string
  readonly #ctx: ComponentContext<NodeServices>
  readonly #received: Counter
  #endpoints: Endpoint[] = []
  #external: Label[] = []

  constructor(ctx: ComponentContext<NodeServices>) {
    this.id = ctx.id
    this.#ctx = ctx
    this.#received = counter(
      ctx,
      'sluice_loki_received_entries_total',
      'Log entries a Loki component accepted.',
      ['component'],
    )
    ctx.setExports({ receiver: logsReceiverCapsule(this) })
  }

  async appendStreams(streams: readonly LokiStream[]): Promise<void> {
    const endpoints = this.#endpoints
    if (endpoints.length === 0) throw new SinkGoneError(this.id)
    const external = this.#external
    const labelled =
      external.length === 0
        ? streams
        : streams.map((s) => ({ labels: withExternal(s.labels, external), entries: s.entries }))
    const records = [...recordsByShard(labelled, LOKI_SHARDS)].map(([shard, record]) => ({
      shard,
      ...record,
    }))
    const settled = await Promise.allSettled(endpoints.map((e) => e.wal.appendShards(records)))
    const failed = settled.find((s) => s.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
    this.#received.inc({ component: this.id }, entryCount(streams))
  }

  async open(args: Args): Promise<void> {
    this.#external = Object.entries(args.external_labels ?? {})
      .map(([name, value]) => ({ name, value }))
      .sort(compareLabels)
    const endpoints: Endpoint[] = []
    try {
      for (const [i, e] of (args.endpoint ?? []).entries())
        endpoints.push(await this.#openEndpoint(e, i, args))
    } catch (err) {
      for (const e of endpoints) await e.wal.close()
      throw err
    }
    for (const e of endpoints) e.sender.start()
    this.#endpoints = endpoints
    // In a cluster, the hand-over's flush claim waits for what these WALs hold (docs/cluster.md).
    this.#ctx.services.logSinks.set(this.id, {
      backlog: () => walBacklog(endpoints.map((e) => ({ backlog: () => e.wal.stats() }))),
    })
  }

  async #openEndpoint(e: EndpointArgs, index: number, args: Args): Promise<Endpoint> {
    const name = e.name ?? String(index)
    const options = endpointOptions(e, this.id)
    const wal = await Wal.open({
      path: join(this.#ctx.dataPath, `endpoint-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`),
      shards: LOKI_SHARDS,
      maxBytes: args.wal?.max_size ?? 1024 ** 3,
      registry: this.#ctx.registry,
      logger: this.#ctx.logger,
      component: `${this.id}/${name}`,
    })
    try {
      const sender = new LokiSender({
        ...options,
        registry: this.#ctx.registry,
        logger: this.#ctx.logger,
        wal,
        hold: this.#ctx.services.cluster?.delivery,
      })
      return new Endpoint(name, wal, sender, e.queue_config?.drain_timeout ?? 15_000)
    } catch (err) {
      await wal.close()
      throw err
    }
  }

  async update(args: Args): Promise<void> {
    // Endpoints are rebuilt; what their WALs hold stays on disk and the new senders send it.
    await this.stop()
    await this.open(args)
  }

  async stop(): Promise<void> {
    const endpoints = this.#endpoints
    this.#endpoints = []
    this.#ctx.services.logSinks.delete(this.id)
    if (this.#ctx.services.lifecycle.draining)
      await Promise.all(endpoints.map((e) => e.wal.waitUntilEmpty(e.drainTimeoutMs)))
    await Promise.all(endpoints.map((e) => e.sender.stop({ drainTimeoutMs: 5000 })))
    await Promise.all(endpoints.map((e) => e.wal.close()))
  }
}

export const lokiWrite: ComponentDefinition<Args, NodeServices> = {
  name: 'loki.write',
  args: schema,
  async build(ctx, args) {
    const component = new LokiWrite(ctx)
    await component.open(args)
    return component
  },
}
