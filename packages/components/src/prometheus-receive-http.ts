import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Schema } from '@sluice/config'
import { SluiceError } from '@sluice/contracts'
import type { PushJob, PushOwnership } from '@sluice/pipeline'
import type { Component, ComponentContext, ComponentDefinition } from '@sluice/runtime'
import { Counter, Histogram } from '@sluice/telemetry'
import { DEFAULT_WIRE_LIMITS, type WireLimits } from '@sluice/wire'
import { readBody, sendError } from './http.ts'
import { type MetricsReceiver, metricsReceivers, plansOf } from './receiver.ts'
import { deliver, type NodeServices } from './services.ts'

export const WRITE_PATH = '/api/v1/metrics/write'
const V1_MESSAGE = 'prometheus.WriteRequest'
const V2_MESSAGE = 'io.prometheus.write.v2.Request'

interface Args {
  forward_to: unknown[]
  accepted_remote_write_protobuf_messages: string[]
  append_metadata: boolean
  http: { listen_address: string; listen_port: number }
  limits: {
    max_request_body_size: number
    max_decoded_size: number
    max_series_per_request: number
    max_labels_per_series: number
    max_label_name_length: number
    max_label_value_length: number
    max_samples_per_series: number
  }
  clustering: { enabled: boolean; shard_by_labels: string[] }
}

const schema: Schema = {
  attrs: {
    forward_to: { type: { array: 'capsule' }, required: true },
    accepted_remote_write_protobuf_messages: { type: { array: 'string' }, default: [V1_MESSAGE] },
    append_metadata: { type: 'bool', default: false },
  },
  blocks: {
    http: {
      schema: {
        attrs: {
          listen_address: { type: 'string', default: '' },
          listen_port: { type: 'number', default: 8080 },
          conn_limit: { type: 'number', default: 100 },
          server_read_timeout: { type: 'duration', default: 30_000 },
          server_write_timeout: { type: 'duration', default: 30_000 },
          server_idle_timeout: { type: 'duration', default: 120_000 },
        },
      },
    },
    // Sluice's own: explicit, documented bounds on what one request may cost.
    limits: {
      schema: {
        attrs: {
          max_request_body_size: { type: 'bytes', default: 10_485_760 },
          max_decoded_size: { type: 'bytes', default: 33_554_432 },
          max_series_per_request: { type: 'number', default: DEFAULT_WIRE_LIMITS.maxSeries },
          max_labels_per_series: { type: 'number', default: DEFAULT_WIRE_LIMITS.maxLabelsPerSeries },
          max_label_name_length: { type: 'number', default: DEFAULT_WIRE_LIMITS.maxLabelNameBytes },
          max_label_value_length: { type: 'number', default: DEFAULT_WIRE_LIMITS.maxLabelValueBytes },
          max_samples_per_series: { type: 'number', default: DEFAULT_WIRE_LIMITS.maxSamplesPerSeries },
        },
      },
    },
    // Sluice's own (Alloy has no clustering block here): see docs/cluster.md, "Owning series by key".
    clustering: {
      schema: {
        attrs: {
          enabled: { type: 'bool', default: true },
          shard_by_labels: { type: { array: 'string' }, default: [] },
        },
      },
    },
  },
}

function withDefaults(args: Partial<Args>): Args {
  return {
    forward_to: args.forward_to ?? [],
    accepted_remote_write_protobuf_messages: args.accepted_remote_write_protobuf_messages ?? [V1_MESSAGE],
    append_metadata: args.append_metadata ?? false,
    http: { listen_address: args.http?.listen_address ?? '', listen_port: args.http?.listen_port ?? 8080 },
    limits: {
      max_request_body_size: args.limits?.max_request_body_size ?? 10 * 1024 * 1024,
      max_decoded_size: args.limits?.max_decoded_size ?? DEFAULT_WIRE_LIMITS.maxDecodedBytes,
      max_series_per_request: args.limits?.max_series_per_request ?? DEFAULT_WIRE_LIMITS.maxSeries,
      max_labels_per_series: args.limits?.max_labels_per_series ?? DEFAULT_WIRE_LIMITS.maxLabelsPerSeries,
      max_label_name_length: args.limits?.max_label_name_length ?? DEFAULT_WIRE_LIMITS.maxLabelNameBytes,
      max_label_value_length: args.limits?.max_label_value_length ?? DEFAULT_WIRE_LIMITS.maxLabelValueBytes,
      max_samples_per_series: args.limits?.max_samples_per_series ?? DEFAULT_WIRE_LIMITS.maxSamplesPerSeries,
    },
    clustering: {
      enabled: args.clustering?.enabled ?? true,
      shard_by_labels: args.clustering?.shard_by_labels ?? [],
    },
  }
}

/** The arguments with defaults filled in, or a SLUICE_ERR_CONFIG error for values no push could use. */
function checkedArgs(id: string, partial: Partial<Args>): Args {
  const args = withDefaults(partial)
  if (args.clustering.shard_by_labels.includes('')) {
    const message = `${id}: clustering.shard_by_labels holds an empty label name`
    throw new SluiceError('SLUICE_ERR_CONFIG', message, { status: 400 })
  }
  return args
}

class UnsupportedMediaError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_UNSUPPORTED_MEDIA', message, { status: 415 })
  }
}

/** Which remote-write message a request carries, from its Content-Type, as Prometheus decides it. */
export function protocolOf(contentType: string | undefined, accepted: readonly string[]): 'v1' | 'v2' {
  const [media, ...params] = (contentType ?? 'application/x-protobuf').split(';').map((s) => s.trim())
  if (media !== 'application/x-protobuf')
    throw new UnsupportedMediaError(
      `unsupported content type ${JSON.stringify(contentType)}, want application/x-protobuf`,
    )
  const proto = params.find((p) => p.startsWith('proto='))?.slice('proto='.length) ?? V1_MESSAGE
  if (proto !== V1_MESSAGE && proto !== V2_MESSAGE)
    throw new UnsupportedMediaError(`unknown remote-write message ${proto}`)
  if (!accepted.includes(proto))
    throw new UnsupportedMediaError(
      `remote-write message ${proto} is not accepted here (accepted: ${accepted.join(', ')})`,
    )
  return proto === V2_MESSAGE ? 'v2' : 'v1'
}

function limitsOf(args: Args): WireLimits {
  return {
    maxDecodedBytes: args.limits.max_decoded_size,
    maxSeries: args.limits.max_series_per_request,
    maxLabelsPerSeries: args.limits.max_labels_per_series,
    maxLabelNameBytes: args.limits.max_label_name_length,
    maxLabelValueBytes: args.limits.max_label_value_length,
    maxSamplesPerSeries: args.limits.max_samples_per_series,
  }
}

/**
 * prometheus.receive_http: accepts remote-write pushes and answers 204 only once every series is
 * durable in the WAL of the node that owns it.
 */
class ReceiveHttp implements Component<Partial<Args>> {
  readonly #ctx: ComponentContext<NodeServices>
  #args: Args
  #receivers: MetricsReceiver[]
  #unroute: (() => Promise<void>) | undefined
  readonly #requests: Counter
  readonly #samples: Counter
  readonly #duration: Histogram

  constructor(ctx: ComponentContext<NodeServices>, args: Args) {
    this.#ctx = ctx
    this.#args = args
    this.#receivers = metricsReceivers(ctx.id, args.forward_to)
    this.#requests = counter(
      ctx,
      'sluice_receive_requests_total',
      'Remote-write requests received, by HTTP status.',
      ['component', 'status'],
    )
    this.#samples = counter(
      ctx,
      'sluice_receive_samples_total',
      'Samples accepted from remote-write requests.',
      ['component'],
    )
    this.#duration = histogram(
      ctx,
      'sluice_receive_request_duration_seconds',
      'Time from request to durable acknowledgement.',
    )
  }

  async start(): Promise<void> {
    await this.#listen()
  }

  async update(partial: Partial<Args>): Promise<void> {
    const args = checkedArgs(this.#ctx.id, partial)
    const receivers = metricsReceivers(this.#ctx.id, args.forward_to)
    const moved =
      args.http.listen_address !== this.#args.http.listen_address ||
      args.http.listen_port !== this.#args.http.listen_port
    this.#args = args
    this.#receivers = receivers
    if (moved) {
      await this.#unroute?.()
      await this.#listen()
    }
  }

  async stop(): Promise<void> {
    await this.#unroute?.()
    this.#unroute = undefined
  }

  async #listen(): Promise<void> {
    const { listen_address, listen_port } = this.#args.http
    this.#unroute = await this.#ctx.services.http.route(
      listen_address,
      listen_port,
      'POST',
      WRITE_PATH,
      (req, res) => this.#handle(req, res),
    )
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    let status = 204
    try {
      const encoding = (req.headers['content-encoding'] ?? 'snappy').toLowerCase()
      if (encoding !== 'snappy')
        throw new UnsupportedMediaError(
          `unsupported content encoding ${JSON.stringify(encoding)}, want snappy`,
        )
      const protocol = protocolOf(
        req.headers['content-type'],
        this.#args.accepted_remote_write_protobuf_messages,
      )
      const body = await readBody(req, this.#args.limits.max_request_body_size)
      const samples = await this.#process(body, protocol, this.#args.clustering.enabled)
      const headers: Record<string, string> = {}
      if (protocol === 'v2') headers['x-prometheus-remote-write-samples-written'] = String(samples)
      res.writeHead(204, headers).end()
    } catch (err) {
      status = err instanceof SluiceError ? err.status : 500
      if (status >= 500) this.#ctx.logger.warn({ err }, 'push not accepted')
      sendError(res, err)
    } finally {
      this.#requests.inc({ component: this.#ctx.id, status: String(status) })
      this.#duration.observe({ component: this.#ctx.id }, (performance.now() - started) / 1000)
    }
  }

  /** Runs one push through the worker pool and delivers it; resolves with the samples accepted. */
  async #process(body: Uint8Array, protocol: PushJob['protocol'], route: boolean): Promise<number> {
    const services = this.#ctx.services
    let ownership: PushOwnership | undefined
    if (route && services.cluster) {
      ownership = services.cluster.ownership()
      if (!ownership)
        throw new SluiceError(
          'SLUICE_ERR_CLUSTER_NOT_READY',
          'no cluster member is ready to own series yet',
          { status: 503 },
        )
      const keyLabels = this.#args.clustering.shard_by_labels
      if (keyLabels.length > 0) ownership = { ...ownership, keyLabels }
    }
    const job: PushJob = {
      body,
      encoding: 'snappy',
      protocol,
      limits: limitsOf(this.#args),
      plan: plansOf(this.#receivers),
    }
    if (ownership) job.ownership = ownership
    const result = await services.pipeline.push(job)
    await deliver(services, result, ownership, this.#ctx.id)
    this.#samples.inc({ component: this.#ctx.id }, result.samplesIn)
    return result.samplesIn
  }
}

export function counter(
  ctx: ComponentContext<unknown>,
  name: string,
  help: string,
  labelNames: string[],
): Counter {
  return (
    (ctx.registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames, registers: [ctx.registry] })
  )
}

export function histogram(ctx: ComponentContext<unknown>, name: string, help: string): Histogram {
  return (
    (ctx.registry.getSingleMetric(name) as Histogram | undefined) ??
    new Histogram({
      name,
      help,
      labelNames: ['component'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [ctx.registry],
    })
  )
}

export const prometheusReceiveHttp: ComponentDefinition<Partial<Args>, NodeServices> = {
  name: 'prometheus.receive_http',
  args: schema,
  async build(ctx, args) {
    return new ReceiveHttp(ctx, checkedArgs(ctx.id, args))
  },
}
