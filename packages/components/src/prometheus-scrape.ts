import { readFileSync } from 'node:fs'
import type { Schema } from '@sluice/config'
import type { Component, ComponentContext, ComponentDefinition } from '@sluice/runtime'
import {
  defaultScrapeConfig,
  encodeScrapedSeries,
  type HandoverResult,
  offloadingParser,
  type ScrapeConfig,
  type ScrapedSeries,
  ScrapeManager,
  type Target,
  targetKey,
} from '@sluice/scrape'
import { CLIENT_BLOCKS } from './client-args.ts'
import { type MetricsReceiver, metricsReceivers, plansOf } from './receiver.ts'
import { type NodeServices, pushAndDeliver } from './services.ts'
import { targetsFromValue } from './targets.ts'

type Args = Record<string, unknown> & {
  targets: unknown[]
  forward_to: unknown[]
  clustering?: { enabled?: boolean }
}

const schema: Schema = {
  attrs: {
    targets: { type: { array: { object: 'string' } }, required: true },
    forward_to: { type: { array: 'capsule' }, required: true },
    job_name: { type: 'string' },
    extra_metrics: { type: 'bool', default: false },
    enable_protobuf_negotiation: { type: 'bool', default: false },
    honor_labels: { type: 'bool', default: false },
    honor_timestamps: { type: 'bool', default: true },
    track_timestamps_staleness: { type: 'bool', default: false },
    params: { type: { object: { array: 'string' } } },
    http_headers: { type: { object: { array: 'secret' } } },
    scrape_classic_histograms: { type: 'bool', default: false },
    scrape_interval: { type: 'duration', default: 60_000 },
    scrape_timeout: { type: 'duration', default: 10_000 },
    metrics_path: { type: 'string', default: '/metrics' },
    scheme: { type: 'string', default: 'http' },
    body_size_limit: { type: 'bytes', default: 0 },
    sample_limit: { type: 'number', default: 0 },
    target_limit: { type: 'number', default: 0 },
    label_limit: { type: 'number', default: 0 },
    label_name_length_limit: { type: 'number', default: 0 },
    label_value_length_limit: { type: 'number', default: 0 },
    bearer_token: { type: 'secret' },
    bearer_token_file: { type: 'string' },
    follow_redirects: { type: 'bool', default: true },
    enable_http2: { type: 'bool', default: true },
    proxy_url: { type: 'string' },
  },
  blocks: {
    ...CLIENT_BLOCKS,
    clustering: { schema: { attrs: { enabled: { type: 'bool', default: false } } } },
  },
}

const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const fileOr = (inline: unknown, file: unknown): string | undefined =>
  str(inline) ?? (str(file) ? readFileSync(file as string, 'utf8').trim() : undefined)

/** Decoded Alloy arguments to the scrape engine's configuration. */
export function scrapeConfigOf(id: string, args: Args): ScrapeConfig {
  const config = defaultScrapeConfig(str(args.job_name) ?? id)
  config.scrape_interval_ms = num(args.scrape_interval, config.scrape_interval_ms)
  config.scrape_timeout_ms = num(args.scrape_timeout, config.scrape_timeout_ms)
  config.metrics_path = str(args.metrics_path) ?? config.metrics_path
  config.scheme = args.scheme === 'https' ? 'https' : 'http'
  config.params = (args.params as Record<string, string[]> | undefined) ?? {}
  config.honor_labels = args.honor_labels === true
  config.honor_timestamps = args.honor_timestamps !== false
  config.track_timestamps_staleness = args.track_timestamps_staleness === true
  config.body_size_limit = num(args.body_size_limit, 0)
  config.sample_limit = num(args.sample_limit, 0)
  config.target_limit = num(args.target_limit, 0)
  config.label_limit = num(args.label_limit, 0)
  config.label_name_length_limit = num(args.label_name_length_limit, 0)
  config.label_value_length_limit = num(args.label_value_length_limit, 0)
  config.enable_protobuf_negotiation = args.enable_protobuf_negotiation === true
  const basic = args.basic_auth as Record<string, unknown> | undefined
  if (basic && str(basic.username))
    config.basic_auth = {
      username: basic.username as string,
      password: fileOr(basic.password, basic.password_file) ?? '',
    }
  const headers = args.http_headers as Record<string, string[]> | undefined
  if (headers) {
    // HTTP allows a repeated header to be sent as one comma-joined field.
    config.headers = {}
    for (const [name, values] of Object.entries(headers)) config.headers[name] = values.join(', ')
  }
  const bearer = fileOr(args.bearer_token, args.bearer_token_file)
  if (bearer) config.bearer_token = bearer
  const authz = args.authorization as Record<string, unknown> | undefined
  const credentials = authz ? fileOr(authz.credentials, authz.credentials_file) : undefined
  if (credentials) config.authorization = { type: str(authz?.type) ?? 'Bearer', credentials }
  const tls = args.tls_config as Record<string, unknown> | undefined
  if (tls) {
    config.tls_config = {}
    const ca = fileOr(tls.ca_pem, tls.ca_file)
    const cert = fileOr(tls.cert_pem, tls.cert_file)
    const key = fileOr(tls.key_pem, tls.key_file)
    if (ca) config.tls_config.ca_pem = ca
    if (cert) config.tls_config.cert_pem = cert
    if (key) config.tls_config.key_pem = key
    if (tls.insecure_skip_verify === true) config.tls_config.insecure_skip_verify = true
    if (str(tls.server_name)) config.tls_config.server_name = tls.server_name as string
  }
  return config
}

/**
 * prometheus.scrape. With `clustering { enabled = true }` this node scrapes only the targets it owns;
 * what it scrapes then goes through series routing like a push, so each series leaves the cluster
 * through its owner whichever node scraped it — which is what keeps a target's samples in order at
 * the backend while the target moves between nodes.
 */
class Scrape implements Component<Args> {
  readonly #ctx: ComponentContext<NodeServices>
  #receivers: MetricsReceiver[]
  #clustered: boolean
  readonly #manager: ScrapeManager
  #unsubscribe: (() => void) | undefined

  constructor(ctx: ComponentContext<NodeServices>, args: Args) {
    this.#ctx = ctx
    this.#receivers = metricsReceivers(ctx.id, args.forward_to)
    this.#clustered = args.clustering?.enabled === true
    this.#manager = new ScrapeManager({
      config: scrapeConfigOf(ctx.id, args),
      appender: { append: (series) => this.#append(series) },
      registry: ctx.registry,
      logger: ctx.logger,
      component: ctx.id,
      isOwned: (target) => this.#owns(target),
      handover: (key, timeoutMs, signal) => this.#handover(key, timeoutMs, signal),
      // Large bodies are parsed on the worker pool so one big target cannot stall ingest on the main thread.
      parse: offloadingParser({
        run: (input) => ctx.services.pipeline.parseScrape(input),
        onFallback: (err) =>
          ctx.logger.debug({ err: String(err) }, 'worker pool refused a scrape body; parsed in-thread'),
      }),
    })
    this.#manager.setTargets(targetsFromValue(ctx.id, args.targets))
    const cluster = ctx.services.cluster
    // Synchronous in the change event: lost targets stop before this node claims the new version.
    if (cluster) this.#unsubscribe = cluster.onChange(() => this.#manager.reshard())
  }

  /**
   * A target gained in the cluster starts once its previous owner has claimed the new ownership
   * version (it stopped scraping before claiming), so no tick is scraped by both nodes.
   */
  async #handover(key: string, timeoutMs: number, signal: AbortSignal): Promise<HandoverResult> {
    const cluster = this.#ctx.services.cluster
    if (!this.#clustered || cluster?.waitForPreviousOwner === undefined) return 'none'
    return cluster.waitForPreviousOwner(key, timeoutMs, signal)
  }

  #owns(target: Target): boolean {
    const cluster = this.#ctx.services.cluster
    return !this.#clustered || !cluster || cluster.ownsKey(targetKey(target))
  }

  async #append(series: ScrapedSeries[]): Promise<void> {
    if (series.length === 0) return
    await pushAndDeliver(
      this.#ctx.services,
      () => ({
        body: encodeScrapedSeries(series),
        encoding: 'identity',
        protocol: 'v1',
        limits: { ...UNLIMITED },
        plan: plansOf(this.#receivers),
      }),
      this.#ctx.id,
    )
  }

  async update(args: Args): Promise<void> {
    this.#receivers = metricsReceivers(this.#ctx.id, args.forward_to)
    const clustered = args.clustering?.enabled === true
    this.#manager.updateConfig(scrapeConfigOf(this.#ctx.id, args))
    this.#manager.setTargets(targetsFromValue(this.#ctx.id, args.targets))
    if (clustered !== this.#clustered) {
      this.#clustered = clustered
      this.#manager.reshard()
    }
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.()
    await this.#manager.stop()
  }

  status(): ReturnType<ScrapeManager['targetsStatus']> {
    return this.#manager.targetsStatus()
  }
}

/** Scraped data was already bounded by the scrape limits; the wire limits must not cut it again. */
const UNLIMITED = {
  maxDecodedBytes: 1024 ** 3,
  maxSeries: Number.MAX_SAFE_INTEGER,
  maxLabelsPerSeries: Number.MAX_SAFE_INTEGER,
  maxLabelNameBytes: Number.MAX_SAFE_INTEGER,
  maxLabelValueBytes: Number.MAX_SAFE_INTEGER,
  maxSamplesPerSeries: Number.MAX_SAFE_INTEGER,
}

export const prometheusScrape: ComponentDefinition<Args, NodeServices> = {
  name: 'prometheus.scrape',
  args: schema,
  async build(ctx, args) {
    return new Scrape(ctx, args)
  },
}
