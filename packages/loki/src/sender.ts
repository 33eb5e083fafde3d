import { setTimeout as sleep } from 'node:timers/promises'
import type { DeliveryHold } from '@sluice/contracts'
import { Backoff, type Delivery, EndpointClient, ShardReader } from '@sluice/remote-write'
import { type Logger, nullLogger, Registry } from '@sluice/telemetry'
import type { Wal, WalRecord } from '@sluice/wal'
import { snappyEncode } from '@sluice/wire'
import type { LokiEndpointOptions } from './config.ts'
import { LokiOptionsError, LokiStateError } from './errors.ts'
import { LokiHeaders } from './headers.ts'
import { type DropReason, LokiSenderMetrics } from './metrics.ts'

/** Default of `stop({ drainTimeoutMs })`: unsent entries are safe in the WAL. */
const DEFAULT_DRAIN_TIMEOUT_MS = 5_000

/**
 * Sends the records of a WAL (uncompressed `logproto.PushRequest`s, one shard per stream hash) to one
 * Loki endpoint. One reader loop per shard with at most one request in flight keeps each stream in
 * order, retries included. Records are deleted from the WAL only after a 2xx or a final refusal.
 */
export class LokiSender {
  readonly #options: LokiEndpointOptions
  readonly #client: EndpointClient
  readonly #metrics: LokiSenderMetrics
  readonly #logger: Logger
  readonly #reader: ShardReader
  #stopped: Promise<void> | undefined

  constructor(options: LokiEndpointOptions & { wal: Wal; hold?: DeliveryHold }) {
    let url: URL
    try {
      url = new URL(options.url)
    } catch {
      throw new LokiOptionsError(`endpoint url ${JSON.stringify(options.url)} is not a URL`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new LokiOptionsError(`endpoint url must be http or https, got ${url.protocol}`)
    }
    for (const name of ['batchSizeBytes', 'remoteTimeoutMs', 'minBackoffMs', 'maxBackoffMs'] as const) {
      if (!(options[name] > 0)) throw new LokiOptionsError(`${name} must be positive, got ${options[name]}`)
    }
    if (!(options.batchWaitMs >= 0)) throw new LokiOptionsError('batch_wait must not be negative')
    if (!(options.maxBackoffRetries >= 0))
      throw new LokiOptionsError('max_backoff_retries must not be negative')
    if (options.minBackoffMs > options.maxBackoffMs)
      throw new LokiOptionsError('min_backoff_period must not exceed max_backoff_period')
    this.#options = { ...options }
    this.#client = new EndpointClient(
      url,
      { connections: options.wal.shards, tls: options.tls, timeoutMs: options.remoteTimeoutMs },
      new LokiHeaders(options),
    )
    // Credentials in the URL stay out of labels and logs.
    const shown = new URL(url)
    shown.username = ''
    shown.password = ''
    this.#metrics = new LokiSenderMetrics(options.registry ?? new Registry(), {
      component: options.component,
      url: shown.href,
    })
    this.#logger = (options.logger ?? nullLogger).child({
      component: options.component,
      endpoint: options.name ?? shown.href,
    })
    this.#reader = new ShardReader({
      wal: options.wal,
      weigh: (record) => record.payload.byteLength,
      maxBatchWeight: options.batchSizeBytes,
      batchWaitMs: options.batchWaitMs,
      minBackoffMs: options.minBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      hold: options.hold,
      logger: this.#logger,
      deliver: (records) => this.#deliver(records),
    })
  }

  /** Starts one reader loop per WAL shard. */
  start(): void {
    if (!this.#reader.start()) throw new LokiStateError('a Loki sender starts once')
  }

  /**
   * Stops reading and waits for requests in flight for at most `drainTimeoutMs`, then cancels them.
   * What was not acknowledged stays in the WAL. Does not close the WAL.
   */
  stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#reader
      .stop(options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS)
      .finally(() => this.#client.close())
    return this.#stopped
  }

  /** Sends one batch until it is accepted, dropped, or the sender stops. */
  async #deliver(records: WalRecord[]): Promise<Delivery> {
    const { minBackoffMs, maxBackoffMs, maxBackoffRetries, retryOnHttp429 } = this.#options
    const backoff = new Backoff(minBackoffMs, maxBackoffMs)
    // PushRequest is a repeated field of streams: encoded requests concatenated are one request.
    const body = snappyEncode(Buffer.concat(records.map((r) => r.payload)))
    const entries = records.reduce((sum, r) => sum + r.samples, 0)
    for (let retries = 0; ; retries++) {
      const started = performance.now()
      const outcome = await this.#client.post(body, this.#reader.cancel)
      this.#metrics.observeRequest((performance.now() - started) / 1000)
      let waitMs: number | undefined
      let reason: string
      if (outcome.kind === 'ok') {
        this.#metrics.sent(entries, body.byteLength)
        return 'sent'
      }
      if (outcome.kind === 'error') {
        if (outcome.aborted) return 'stopped'
        reason = outcome.timedOut ? 'timeout' : 'network'
        this.#logger.warn({ err: outcome.error, retries, entries }, 'Loki push failed; retrying')
      } else if (outcome.status >= 500 || (outcome.status === 429 && retryOnHttp429)) {
        reason = outcome.status === 429 ? 'http_429' : 'http_5xx'
        // Retry-After is honoured where HTTP defines it for this purpose: 429 and 503.
        if (outcome.status === 429 || outcome.status === 503) waitMs = outcome.retryAfterMs
        this.#logger.warn(
          { status: outcome.status, message: outcome.message, retries, entries },
          'Loki refused the batch for now; retrying',
        )
      } else {
        return this.#drop(
          outcome.status === 429 ? 'rate_limited' : 'http_4xx',
          entries,
          outcome.status,
          outcome.message,
        )
      }
      // As in Alloy's client: max_backoff_retries bounds the retries, 0 means no bound.
      if (maxBackoffRetries > 0 && retries + 1 >= maxBackoffRetries) {
        return this.#drop(
          reason === 'http_429' ? 'rate_limited' : 'retries_exhausted',
          entries,
          undefined,
          reason,
        )
      }
      this.#metrics.retried(reason)
      try {
        await sleep(waitMs ?? backoff.next(), undefined, { signal: this.#reader.stopping })
      } catch {
        return 'stopped'
      }
    }
  }

  #drop(reason: DropReason, entries: number, status: number | undefined, message: string): Delivery {
    this.#metrics.dropped(reason, entries)
    this.#logger.error({ status, message, entries, reason }, 'Loki batch dropped')
    return 'dropped'
  }
}
