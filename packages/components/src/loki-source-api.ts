import type { IncomingMessage, ServerResponse } from 'node:http'
import { gunzipSync, inflateSync } from 'node:zlib'
import { Capsule, type Schema } from '@sluice/config'
import { compareLabels, type Label, SluiceError } from '@sluice/contracts'
import { receiveTimeNs } from '@sluice/loki'
import { compileRules, type Relabeler, type RelabelRule } from '@sluice/relabel'
import type { Component, ComponentContext, ComponentDefinition } from '@sluice/runtime'
import type { Counter } from '@sluice/telemetry'
import { decodeLokiJson, decodeLokiPush, type LokiStream, snappyDecode } from '@sluice/wire'
import { readBody, sendError } from './http.ts'
import { entryCount, fanOut, type LogsReceiver, logsReceivers } from './loki-receiver.ts'
import { routeStreams } from './loki-routing.ts'
import { counter, histogram } from './prometheus-receive-http.ts'
import { RULES_TYPE } from './rules.ts'
import type { NodeServices } from './services.ts'

interface Args {
  forward_to: unknown[]
  labels?: Record<string, string>
  relabel_rules?: unknown
  use_incoming_timestamp: boolean
  max_send_message_size: number
  http?: { listen_address?: string; listen_port?: number }
  clustering?: { enabled?: boolean }
}

const schema: Schema = {
  attrs: {
    forward_to: { type: { array: 'capsule' }, required: true },
    labels: { type: { object: 'string' } },
    relabel_rules: { type: 'capsule' },
    use_incoming_timestamp: { type: 'bool', default: false },
    max_send_message_size: { type: 'bytes', default: '100MiB' },
  },
  blocks: {
    http: {
      schema: {
        attrs: {
          listen_address: { type: 'string', default: '' },
          listen_port: { type: 'number', default: 8080 },
          conn_limit: { type: 'number', default: 100 },
          server_read_timeout: { type: 'duration', default: '30s' },
          server_write_timeout: { type: 'duration', default: '30s' },
          server_idle_timeout: { type: 'duration', default: '120s' },
        },
      },
    },
    // With clustering on, each stream goes to the member that owns it (see the package README).
    clustering: { schema: { attrs: { enabled: { type: 'bool', default: true } } } },
    // Accepted so that Alloy configs load; Sluice serves the push API over HTTP only.
    grpc: {
      schema: {
        attrs: {
          listen_address: { type: 'string', default: '' },
          listen_port: { type: 'number', default: 0 },
          conn_limit: { type: 'number', default: 100 },
          max_connection_age: { type: 'duration', default: '0s' },
          max_connection_age_grace: { type: 'duration', default: '0s' },
          max_connection_idle: { type: 'duration', default: '0s' },
          server_max_recv_msg_size: { type: 'bytes', default: '4MiB' },
          server_max_send_msg_size: { type: 'bytes', default: '4MiB' },
          server_max_concurrent_streams: { type: 'number', default: 100 },
        },
      },
    },
  },
}

/** Push routes, as Alloy serves them: `/api/v1/*` are aliases of `/loki/api/v1/*`. */
export const LOKI_PUSH_PATHS = ['/loki/api/v1/push', '/api/v1/push'] as const
export const LOKI_RAW_PATHS = ['/loki/api/v1/raw', '/api/v1/raw'] as const

class UnsupportedEncodingError extends SluiceError {
  constructor(encoding: string) {
    super(
      'SLUICE_ERR_UNSUPPORTED_MEDIA',
      `unsupported content encoding ${JSON.stringify(encoding)} (gzip, deflate, snappy)`,
      { status: 415 },
    )
  }
}

class DecodedTooLargeError extends SluiceError {
  constructor(limit: number) {
    super('SLUICE_ERR_DECODED_TOO_LARGE', `decompressed body exceeds the limit of ${limit} bytes`, {
      status: 413,
    })
  }
}

/** Undoes a Content-Encoding as Loki's push parser does: gzip and deflate; snappy is the protobuf framing. */
function decompress(body: Uint8Array, encoding: string, limit: number): Uint8Array {
  if (encoding === '' || encoding === 'identity' || encoding === 'snappy') return body
  if (encoding !== 'gzip' && encoding !== 'deflate') throw new UnsupportedEncodingError(encoding)
  try {
    return encoding === 'gzip'
      ? gunzipSync(body, { maxOutputLength: limit })
      : inflateSync(body, { maxOutputLength: limit })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new DecodedTooLargeError(limit)
    throw new SluiceError('SLUICE_ERR_DECODE', `body is not valid ${encoding}: ${(err as Error).message}`, {
      status: 400,
      cause: err,
    })
  }
}

/** Decodes a push body: JSON when the media type says so, otherwise snappy-compressed protobuf (Loki's rule). */
export function decodePushBody(
  body: Uint8Array,
  contentType: string | undefined,
  contentEncoding: string | undefined,
  limit: number,
): LokiStream[] {
  const raw = decompress(body, (contentEncoding ?? '').trim().toLowerCase(), limit)
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (media === 'application/json') return decodeLokiJson(raw).streams
  return decodeLokiPush(snappyDecode(raw, limit)).streams
}

function rulesOfCapsule(component: string, value: unknown): Relabeler | undefined {
  if (value === undefined || value === null) return undefined
  if (!(value instanceof Capsule) || value.typeName !== RULES_TYPE) {
    throw new SluiceError(
      'SLUICE_ERR_CONFIG',
      `${component}: relabel_rules must be the rules export of a relabel component`,
      { status: 400 },
    )
  }
  return compileRules(value.value as RelabelRule[])
}

/** The per-request settings, swapped whole on update so a request sees one consistent snapshot. */
class Settings {
  readonly receivers: LogsReceiver[]
  readonly labels: Label[]
  readonly relabel: Relabeler | undefined
  readonly useIncomingTimestamp: boolean
  readonly maxBytes: number
  readonly clustering: boolean

  constructor(id: string, args: Args) {
    this.receivers = logsReceivers(id, args.forward_to)
    this.labels = Object.entries(args.labels ?? {})
      .map(([name, value]) => ({ name, value }))
      .sort(compareLabels)
    this.relabel = rulesOfCapsule(id, args.relabel_rules)
    this.useIncomingTimestamp = args.use_incoming_timestamp === true
    this.maxBytes = args.max_send_message_size ?? 100 * 1024 * 1024
    this.clustering = args.clustering?.enabled ?? true
  }
}

/**
 * loki.source.api: Loki's push API. A push is answered 204 only once every receiver has its entries
 * durable (Alloy answers as soon as the entries are queued in memory). In a cluster, each stream is
 * written only by the member that owns it: the others' streams are forwarded to them, and the push is
 * answered once every part is durable somewhere.
 */
class LokiSourceApi implements Component<Args> {
  readonly #ctx: ComponentContext<NodeServices>
  #settings: Settings
  #address: { host: string; port: number }
  #unroutes: (() => Promise<void>)[] = []
  readonly #received: Counter
  readonly #requests: Counter
  readonly #duration: ReturnType<typeof histogram>

  constructor(ctx: ComponentContext<NodeServices>, args: Args) {
    this.#ctx = ctx
    this.#settings = new Settings(ctx.id, args)
    this.#address = addressOf(args)
    this.#received = counter(
      ctx,
      'sluice_loki_received_entries_total',
      'Log entries a Loki component accepted.',
      ['component'],
    )
    this.#requests = counter(
      ctx,
      'sluice_loki_push_requests_total',
      'Loki push requests received, by HTTP status.',
      ['component', 'status'],
    )
    this.#duration = histogram(
      ctx,
      'sluice_loki_push_duration_seconds',
      'Time from a Loki push to its durable acknowledgement.',
    )
  }

  async start(): Promise<void> {
    await this.#listen()
    // Streams forwarded by their edge were labelled, relabelled and stamped there: only deliver them.
    this.#ctx.services.logIngest.set(this.#ctx.id, (payload) =>
      fanOut(this.#settings.receivers, decodeLokiPush(payload).streams),
    )
  }

  async update(args: Args): Promise<void> {
    this.#settings = new Settings(this.#ctx.id, args)
    const address = addressOf(args)
    if (address.host !== this.#address.host || address.port !== this.#address.port) {
      await this.#unlisten()
      this.#address = address
      await this.#listen()
    }
  }

  async stop(): Promise<void> {
    this.#ctx.services.logIngest.delete(this.#ctx.id)
    await this.#unlisten()
  }

  async #listen(): Promise<void> {
    const { host, port } = this.#address
    const http = this.#ctx.services.http
    try {
      for (const path of LOKI_PUSH_PATHS)
        this.#unroutes.push(
          await http.route(host, port, 'POST', path, (req, res) => this.#handle(req, res, false)),
        )
      for (const path of LOKI_RAW_PATHS)
        this.#unroutes.push(
          await http.route(host, port, 'POST', path, (req, res) => this.#handle(req, res, true)),
        )
      this.#unroutes.push(
        await http.route(
          host,
          port,
          'GET',
          '/ready',
          (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ready'),
        ),
      )
    } catch (err) {
      await this.#unlisten()
      throw err
    }
  }

  async #unlisten(): Promise<void> {
    const unroutes = this.#unroutes
    this.#unroutes = []
    for (const unroute of unroutes) await unroute()
  }

  async #handle(req: IncomingMessage, res: ServerResponse, raw: boolean): Promise<void> {
    const started = performance.now()
    const settings = this.#settings
    let status = 204
    try {
      const body = await readBody(req, settings.maxBytes)
      const streams = raw
        ? this.#rawStreams(body, req.headers['content-encoding'], settings)
        : this.#pushStreams(body, req, settings)
      const cluster = this.#ctx.services.cluster
      if (cluster && settings.clustering)
        await routeStreams(cluster, this.#ctx.id, settings.receivers, streams)
      else await fanOut(settings.receivers, streams)
      this.#received.inc({ component: this.#ctx.id }, entryCount(streams))
      res.writeHead(204).end()
    } catch (err) {
      status = err instanceof SluiceError ? err.status : 500
      if (status >= 500) this.#ctx.logger.warn({ err }, 'Loki push not accepted')
      sendError(res, err)
    } finally {
      this.#requests.inc({ component: this.#ctx.id, status: String(status) })
      this.#duration.observe({ component: this.#ctx.id }, (performance.now() - started) / 1000)
    }
  }

  /** Decoded streams with the configured labels, relabelling, `__` labels dropped and timestamps set. */
  #pushStreams(body: Uint8Array, req: IncomingMessage, settings: Settings): LokiStream[] {
    const decoded = decodePushBody(
      body,
      req.headers['content-type'],
      req.headers['content-encoding'],
      settings.maxBytes,
    )
    const out: LokiStream[] = []
    for (const stream of decoded) {
      let labels = stream.labels
      if (settings.labels.length > 0) {
        // Configured labels override incoming ones of the same name, as in Alloy.
        labels = [
          ...labels.filter((l) => !settings.labels.some((c) => c.name === l.name)),
          ...settings.labels,
        ].sort(compareLabels)
      }
      if (settings.relabel) {
        const relabelled = settings.relabel.process(labels)
        // A dropped stream is left out; Alloy stops at it and silently ignores the rest of the request.
        if (relabelled === null || relabelled.length === 0) continue
        labels = relabelled
      }
      labels = labels.filter((l) => !l.name.startsWith('__'))
      if (labels.length === 0 || stream.entries.length === 0) continue
      const entries = settings.useIncomingTimestamp
        ? stream.entries
        : stream.entries.map((e) => ({
            timestampNs: receiveTimeNs(),
            line: e.line,
            structuredMetadata: e.structuredMetadata,
          }))
      out.push({ labels, entries })
    }
    return out
  }

  /** The raw endpoint: one entry per non-empty line, stamped on receipt, with the configured labels. */
  #rawStreams(body: Uint8Array, encoding: string | undefined, settings: Settings): LokiStream[] {
    const text = Buffer.from(
      decompress(body, (encoding ?? '').trim().toLowerCase(), settings.maxBytes),
    ).toString('utf8')
    const entries = text
      .split('\n')
      .map((line) => line.replace(/\r$/, ''))
      .filter((line) => line !== '')
      .map((line) => ({ timestampNs: receiveTimeNs(), line, structuredMetadata: [] }))
    if (entries.length === 0) return []
    if (settings.labels.length === 0) {
      throw new SluiceError(
        'SLUICE_ERR_NO_LABELS',
        'the raw endpoint needs labels: set the labels argument',
        { status: 400 },
      )
    }
    return [{ labels: settings.labels, entries }]
  }
}

function addressOf(args: Args): { host: string; port: number } {
  return { host: args.http?.listen_address ?? '', port: args.http?.listen_port ?? 8080 }
}

export const lokiSourceApi: ComponentDefinition<Args, NodeServices> = {
  name: 'loki.source.api',
  args: schema,
  async build(ctx, args) {
    return new LokiSourceApi(ctx, args)
  },
}
