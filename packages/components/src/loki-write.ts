import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Schema } from '@sluice/config'
import type { Label } from '@sluice/contracts'
import { DEFAULT_ENDPOINT, type LokiEndpointOptions, LokiSender, recordsByShard } from '@sluice/loki'
import type { Component, ComponentContext, ComponentDefinition } from '@sluice/runtime'
import type { Counter } from '@sluice/telemetry'
import { Wal } from '@sluice/wal'
import type { LokiStream } from '@sluice/wire'
import { byteSize, durationMs } from './loki-args.ts'
import { entryCount, type LogsReceiver, logsReceiverCapsule } from './loki-receiver.ts'
import { counter } from './prometheus-receive-http.ts'
import { type NodeServices, SinkGoneError } from './services.ts'

interface EndpointArgs {
  url: string
  name?: string
  headers?: Record<string, string>
  batch_size: number | string
  batch_wait: number | string
  remote_timeout: number | string
  tenant_id?: string
  min_backoff_period: number | string
  max_backoff_period: number | string
  max_backoff_retries: number
  retry_on_http_429: boolean
  bearer_token?: string
  bearer_token_file?: string
  basic_auth?: { username?: string; password?: string; password_file?: string }
  authorization?: { type?: string; credentials?: string; credentials_file?: string }
  tls_config?: {
    ca_pem?: string
    ca_file?: string
    cert_pem?: string
    cert_file?: string
    key_pem?: string
    key_file?: string
    insecure_skip_verify?: boolean
    server_name?: string
  }
  queue_config?: { drain_timeout?: number | string }
}

interface Args {
  endpoint?: EndpointArgs[]
  external_labels?: Record<string, string>
  wal?: { max_size?: number | string }
}

/**
 * WAL shards per endpoint: each has one request in flight, which is what keeps a stream in order.
 * Four keep a remote Loki's latency hidden without opening many connections per endpoint.
 */
export const LOKI_SHARDS = 4

const TLS_SCHEMA: Schema = {
  attrs: {
    ca_pem: { type: 'string' },
    ca_file: { type: 'string' },
    cert_pem: { type: 'string' },
    cert_file: { type: 'string' },
    key_pem: { type: 'secret' },
    key_file: { type: 'string' },
    insecure_skip_verify: { type: 'bool', default: false },
    server_name: { type: 'string' },
    min_version: { type: 'string' },
  },
}

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
          basic_auth: {
            schema: {
              attrs: {
                username: { type: 'string' },
                password: { type: 'secret' },
                password_file: { type: 'string' },
              },
            },
          },
          authorization: {
            schema: {
              attrs: {
                type: { type: 'string' },
                credentials: { type: 'secret' },
                credentials_file: { type: 'string' },
              },
            },
          },
          tls_config: { schema: TLS_SCHEMA },
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

function readSecret(inline: string | undefined, file: string | undefined): string | undefined {
  if (inline) return inline
  return file ? readFileSync(file, 'utf8').trim() : undefined
}

/** Stream labels win over external labels of the same name, as in Alloy's client. */
function withExternal(labels: readonly Label[], external: readonly Label[]): Label[] {
  if (external.length === 0) return labels as Label[]
  const merged = [...labels]
  for (const e of external) if (!labels.some((l) => l.name === e.name)) merged.push(e)
  return merged.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** The sender options of one decoded endpoint block. */
export function endpointOptions(e: EndpointArgs, component: string): LokiEndpointOptions {
  const options: LokiEndpointOptions = {
    url: e.url,
    component,
    batchSizeBytes: byteSize(e.batch_size, DEFAULT_ENDPOINT.batchSizeBytes),
    batchWaitMs: durationMs(e.batch_wait, DEFAULT_ENDPOINT.batchWaitMs),
    remoteTimeoutMs: durationMs(e.remote_timeout, DEFAULT_ENDPOINT.remoteTimeoutMs),
    minBackoffMs: durationMs(e.min_backoff_period, DEFAULT_ENDPOINT.minBackoffMs),
    maxBackoffMs: durationMs(e.max_backoff_period, DEFAULT_ENDPOINT.maxBackoffMs),
    maxBackoffRetries: e.max_backoff_retries ?? DEFAULT_ENDPOINT.maxBackoffRetries,
    retryOnHttp429: e.retry_on_http_429 ?? DEFAULT_ENDPOINT.retryOnHttp429,
  }
  if (e.name) options.name = e.name
  if (e.tenant_id) options.tenantId = e.tenant_id
  const headers: Record<string, string> = { ...(e.headers ?? {}) }
  const authorization = readSecret(e.authorization?.credentials, e.authorization?.credentials_file)
  if (authorization) headers.authorization = `${e.authorization?.type ?? 'Bearer'} ${authorization}`
  options.headers = headers
  if (e.bearer_token) options.bearerToken = e.bearer_token
  if (e.bearer_token_file) options.bearerTokenFile = e.bearer_token_file
  if (e.basic_auth?.username !== undefined) {
    options.basicAuth = {
      username: e.basic_auth.username,
      password: readSecret(e.basic_auth.password, e.basic_auth.password_file) ?? '',
    }
  }
  if (e.tls_config) {
    const t = e.tls_config
    const tls: NonNullable<LokiEndpointOptions['tls']> = {}
    const ca = t.ca_pem ?? (t.ca_file ? readFileSync(t.ca_file, 'utf8') : undefined)
    const cert = t.cert_pem ?? (t.cert_file ? readFileSync(t.cert_file, 'utf8') : undefined)
    const key = t.key_pem ?? (t.key_file ? readFileSync(t.key_file, 'utf8') : undefined)
    if (ca) tls.ca = ca
    if (cert) tls.cert = cert
    if (key) tls.key = key
    if (t.insecure_skip_verify) tls.insecureSkipVerify = true
    if (t.server_name) tls.serverName = t.server_name
    options.tls = tls
  }
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
    const records = recordsByShard(labelled, LOKI_SHARDS)
    const appends: Promise<void>[] = []
    for (const e of endpoints)
      for (const [shard, record] of records) appends.push(e.wal.append(shard, [record]))
    const settled = await Promise.allSettled(appends)
    const failed = settled.find((s) => s.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
    this.#received.inc({ component: this.id }, entryCount(streams))
  }

  async open(args: Args): Promise<void> {
    this.#external = Object.entries(args.external_labels ?? {})
      .map(([name, value]) => ({ name, value }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
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
  }

  async #openEndpoint(e: EndpointArgs, index: number, args: Args): Promise<Endpoint> {
    const name = e.name ?? String(index)
    const options = endpointOptions(e, this.id)
    const wal = await Wal.open({
      path: join(this.#ctx.dataPath, `endpoint-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`),
      shards: LOKI_SHARDS,
      maxBytes: byteSize(args.wal?.max_size, 1024 ** 3),
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
      })
      return new Endpoint(name, wal, sender, durationMs(e.queue_config?.drain_timeout, 15_000))
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
    if (this.#ctx.services.lifecycle.draining)
      await Promise.all(endpoints.map((e) => drain(e.wal, e.drainTimeoutMs)))
    await Promise.all(endpoints.map((e) => e.sender.stop({ drainTimeoutMs: 5000 })))
    await Promise.all(endpoints.map((e) => e.wal.close()))
  }
}

/** Waits until the WAL is empty (the sender acknowledged everything) or the timeout passes. */
async function drain(wal: Wal, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (wal.stats().records > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
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
