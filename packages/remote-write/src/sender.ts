import { setTimeout as sleep } from 'node:timers/promises'
import type { DeliveryHold } from '@sluice/contracts'
import { type Logger, nullLogger, Registry } from '@sluice/telemetry'
import type { Wal, WalRecord } from '@sluice/wal'
import { snappyJoin } from '@sluice/wire'
import { Backoff } from './backoff.ts'
import { EndpointClient } from './client.ts'
import { DEFAULT_REMOTE_TIMEOUT_MS, type EndpointOptions, type QueueConfig } from './config.ts'
import { RemoteWriteOptionsError, RemoteWriteStateError } from './errors.ts'
import { RequestHeaders } from './headers.ts'
import { type DropReason, RemoteWriteMetrics, type RetryReason } from './metrics.ts'
import { type Delivery, ShardReader } from './shard-reader.ts'
import { RESHARD_INTERVAL_MS, ShardScaler } from './shard-scaler.ts'

/** What a {@link RemoteWriteSender} is built from. */
export interface SenderOptions extends EndpointOptions {
  wal: Wal
  /** Paused while it holds (a cluster's crash hold). */
  hold?: DeliveryHold
  /** How the shard count is decided (see `ShardScalerOptions.mode`); default `fixed`. */
  shardMode?: 'dynamic' | 'agreed' | 'fixed'
  /**
   * Told at start and whenever the shard count this sender's load asks for changes; in `agreed` mode
   * the caller decides the count from it (with {@link RemoteWriteSender.reshard}).
   */
  onWantedShards?: (shards: number) => void
}

/** Default of `stop({ drainTimeoutMs })`: unsent data is safe in the WAL, so shutdown need not wait long. */
const DEFAULT_DRAIN_TIMEOUT_MS = 5_000

/**
 * The `format` of the WALs a sender reads: each record is one remote-write 1.0 WriteRequest as a
 * snappy block, ready to be a request body (the pipeline's workers compress them).
 */
export const WAL_FORMAT = 'prometheus-remote-write-1.0+snappy-block'

/**
 * Sends the records of a WAL to one remote-write endpoint. Records are snappy blocks of encoded
 * WriteRequests (see {@link WAL_FORMAT}).
 *
 * One reader loop per WAL shard, each with at most one request in flight: the records of a shard
 * reach the backend in WAL order, and callers that put every series into one shard (by hash) get
 * every series in order, through retries too. How many of the WAL's shards callers use is
 * {@link shards}, which follows the load between min_shards and max_shards as Prometheus reshards its
 * queues (`shardMode` `dynamic`), or is set by the caller from what the load asks for (`agreed`, with
 * `onWantedShards`), or stays at max_shards (`fixed`, the default); see `ShardScaler` for how order
 * survives a change.
 *
 * Records are deleted from the WAL (acknowledged) only after a 2xx, or after a non-retryable answer
 * that drops them. Delivery is at least once: a request that timed out may have been accepted.
 */
export class RemoteWriteSender {
  readonly #wal: Wal
  readonly #queue: QueueConfig
  readonly #client: EndpointClient
  readonly #metrics: RemoteWriteMetrics
  readonly #logger: Logger
  readonly #reader: ShardReader
  readonly #scaler: ShardScaler
  readonly #onWanted: ((shards: number) => void) | undefined
  #reshardTimer: NodeJS.Timeout | undefined
  #stopped: Promise<void> | undefined

  constructor(options: SenderOptions) {
    checkQueue(options.queue)
    let url: URL
    try {
      url = new URL(options.url)
    } catch (cause) {
      throw new RemoteWriteOptionsError(`endpoint url ${JSON.stringify(options.url)} is not a URL: ${cause}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RemoteWriteOptionsError(`endpoint url must be http or https, got ${url.protocol}`)
    }
    const timeoutMs = options.remoteTimeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS
    if (!(timeoutMs > 0))
      throw new RemoteWriteOptionsError(`remote timeout must be positive, got ${timeoutMs}`)
    this.#wal = options.wal
    this.#queue = { ...options.queue }
    const headers = new RequestHeaders(options)
    this.#client = new EndpointClient(
      url,
      { connections: this.#wal.shards, tls: options.tls, timeoutMs },
      headers,
    )
    // Credentials in the URL stay out of labels and logs.
    const shown = new URL(url)
    shown.username = ''
    shown.password = ''
    this.#scaler = new ShardScaler({
      wal: this.#wal,
      minShards: this.#queue.min_shards,
      maxShards: this.#queue.max_shards,
      mode: options.shardMode ?? 'fixed',
    })
    this.#onWanted = options.onWantedShards
    this.#metrics = new RemoteWriteMetrics(
      options.registry ?? new Registry(),
      { component: options.component, url: shown.href },
      {
        pendingRecords: () => this.#wal.stats().records,
        shards: () => this.#scaler.count,
        desiredShards: () => this.#scaler.desired,
      },
    )
    this.#logger = (options.logger ?? nullLogger).child({
      component: options.component,
      endpoint: options.name ?? shown.href,
    })
    this.#reader = new ShardReader({
      wal: this.#wal,
      weigh: (record) => record.samples,
      maxBatchWeight: this.#queue.max_samples_per_send,
      batchWaitMs: this.#queue.batch_send_deadline_ms,
      minBackoffMs: this.#queue.min_backoff_ms,
      maxBackoffMs: this.#queue.max_backoff_ms,
      hold: options.hold,
      cutoff: () => this.#scaler.cutoff(),
      logger: this.#logger,
      deliver: (records) => this.#send(records),
      delivered: (records, busyMs) =>
        this.#scaler.delivered(
          records.reduce((sum, record) => sum + record.samples, 0),
          busyMs,
        ),
    })
  }

  /**
   * How many of the WAL's shards to split series into now (`hash % shards`). A push split for another
   * count must not be appended: the caller checks, and has the push retried.
   */
  get shards(): number {
    return this.#scaler.count
  }

  /** Starts one reader loop per WAL shard, and the periodic look at the shard count. */
  start(): void {
    if (!this.#reader.start()) throw new RemoteWriteStateError('a remote-write sender starts once')
    this.#onWanted?.(this.#scaler.wanted)
    this.#reshardTimer = setInterval(() => this.#reshard(), RESHARD_INTERVAL_MS)
    this.#reshardTimer.unref()
  }

  /** Sets the shard count now, within min_shards..max_shards (the periodic look does it by load). */
  reshard(shards: number): void {
    const from = this.#scaler.count
    this.#scaler.set(shards)
    this.#changed(from)
  }

  #reshard(): void {
    const from = this.#scaler.count
    if (this.#scaler.evaluate() === undefined) return
    this.#changed(from)
    this.#onWanted?.(this.#scaler.wanted)
  }

  #changed(from: number): void {
    const to = this.#scaler.count
    if (to === from) return
    this.#metrics.resharded(to > from ? 'up' : 'down')
    this.#logger.info({ from, to }, 'remote-write shard count changed')
  }

  /**
   * Stops reading the WAL and waits for the requests in flight, for at most `drainTimeoutMs`
   * (default 5 s), after which they are cancelled. Batches in backoff are not retried. Everything not
   * acknowledged stays in the WAL for the next start. Does not close the WAL.
   */
  stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    clearInterval(this.#reshardTimer)
    this.#stopped ??= this.#reader
      .stop(options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS)
      .finally(async () => {
        this.#metrics.detach()
        await this.#client.close()
      })
    return this.#stopped
  }

  /** Sends one batch until it is accepted, dropped, or the sender stops. */
  async #send(records: WalRecord[]): Promise<Delivery> {
    const backoff = new Backoff(this.#queue.min_backoff_ms, this.#queue.max_backoff_ms)
    let body: Uint8Array | undefined
    let samples = 0
    for (let attempt = 1; ; attempt++) {
      const fresh = this.#dropTooOld(records)
      if (fresh.length === 0) return 'dropped'
      if (body === undefined || fresh.length !== records.length) {
        records = fresh
        // A remote-write 1.0 WriteRequest is a repeated field: encoded requests concatenated are one
        // request, and snappy blocks join into the block of their concatenation without recompressing.
        body = snappyJoin(records.map((record) => record.payload))
        samples = records.reduce((sum, record) => sum + record.samples, 0)
      }
      const started = performance.now()
      const outcome = await this.#client.post(body, this.#reader.cancel)
      this.#metrics.observeRequest((performance.now() - started) / 1000)

      let reason: RetryReason
      let waitMs: number | undefined
      if (outcome.kind === 'ok') {
        this.#metrics.sent(samples, body.byteLength)
        return 'sent'
      } else if (outcome.kind === 'error') {
        if (outcome.aborted) return 'stopped'
        reason = outcome.timedOut ? 'timeout' : 'network'
        this.#logger.warn({ err: outcome.error, attempt, samples }, 'remote-write request failed; retrying')
      } else if (outcome.status >= 500 || (outcome.status === 429 && this.#queue.retry_on_http_429)) {
        reason = outcome.status === 429 ? 'http_429' : 'http_5xx'
        // Retry-After is honoured where HTTP defines it for this purpose: 429 and 503.
        if (outcome.status === 429 || outcome.status === 503) waitMs = outcome.retryAfterMs
        this.#logger.warn(
          { status: outcome.status, message: outcome.message, attempt, samples, retryAfterMs: waitMs },
          'remote-write endpoint refused the batch for now; retrying',
        )
      } else {
        const dropReason: DropReason =
          outcome.status >= 400 && outcome.status < 500 ? 'http_4xx' : 'http_other'
        this.#metrics.dropped(dropReason, samples)
        this.#logger.error(
          { status: outcome.status, message: outcome.message, samples },
          'remote-write endpoint rejected the batch; dropped it',
        )
        return 'dropped'
      }
      this.#metrics.retried(reason)
      const delay = waitMs ?? backoff.next()
      try {
        await sleep(delay, undefined, { signal: this.#reader.stopping })
      } catch {
        return 'stopped'
      }
    }
  }

  /** Records older than `sample_age_limit` (by append time) are dropped and counted; the rest kept. */
  #dropTooOld(records: WalRecord[]): WalRecord[] {
    const limit = this.#queue.sample_age_limit_ms
    if (!(limit > 0)) return records
    const cutoff = Date.now() - limit
    const fresh = records.filter((record) => record.appendedAt >= cutoff)
    if (fresh.length !== records.length) {
      const old = records.reduce((sum, r) => sum + (r.appendedAt < cutoff ? r.samples : 0), 0)
      this.#metrics.dropped('too_old', old)
      this.#logger.warn({ samples: old }, 'dropped samples older than sample_age_limit')
    }
    return fresh
  }
}

function checkQueue(queue: QueueConfig): void {
  const positive = ['max_samples_per_send', 'min_backoff_ms', 'max_backoff_ms'] as const
  for (const name of positive) {
    if (!(queue[name] > 0))
      throw new RemoteWriteOptionsError(`queue_config ${name} must be positive, got ${queue[name]}`)
  }
  for (const name of ['batch_send_deadline_ms', 'sample_age_limit_ms'] as const) {
    if (!(queue[name] >= 0)) throw new RemoteWriteOptionsError(`queue_config ${name} must not be negative`)
  }
  if (queue.min_backoff_ms > queue.max_backoff_ms) {
    throw new RemoteWriteOptionsError('queue_config min_backoff must not exceed max_backoff')
  }
}
