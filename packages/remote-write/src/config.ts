import type { Logger, Registry } from '@sluice/telemetry'

/**
 * The `queue_config` block of Alloy's `prometheus.remote_write`, in milliseconds where Alloy takes
 * durations. Field names keep Alloy's spelling so that a config maps one to one.
 */
export interface QueueConfig {
  /** Alloy: samples buffered per shard. Sluice buffers in the WAL instead; accepted, not used. */
  capacity: number
  /** The fewest shards in use, where the count starts (see `ShardScaler`). */
  min_shards: number
  /** The most shards in use; callers also size the WAL's shards by it. */
  max_shards: number
  /** Upper bound of samples in one request (a single WAL record larger than this is sent alone). */
  max_samples_per_send: number
  /** How long a batch that is not full waits for more records before it is sent anyway. */
  batch_send_deadline_ms: number
  /** First retry delay; doubled on every retry up to `max_backoff_ms`. */
  min_backoff_ms: number
  max_backoff_ms: number
  /** Retry on 429 Too Many Requests; when false a 429 drops the batch like any 4xx. */
  retry_on_http_429: boolean
  /** When above 0, records older than this (by append time) are dropped instead of sent. */
  sample_age_limit_ms: number
}

/** Alloy's `prometheus.remote_write` `queue_config` defaults. */
export const DEFAULT_QUEUE_CONFIG: Readonly<QueueConfig> = Object.freeze({
  capacity: 10_000,
  min_shards: 1,
  max_shards: 50,
  max_samples_per_send: 2_000,
  batch_send_deadline_ms: 5_000,
  min_backoff_ms: 30,
  max_backoff_ms: 5_000,
  retry_on_http_429: true,
  sample_age_limit_ms: 0,
})

/** Alloy's default `remote_timeout`. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 30_000

/** TLS settings of an endpoint; `ca`, `cert` and `key` are PEM text (the caller reads the files). */
export interface TlsOptions {
  ca?: string
  cert?: string
  key?: string
  insecureSkipVerify?: boolean
  serverName?: string
}

/** One remote-write endpoint, as an `endpoint` block of `prometheus.remote_write`. */
export interface EndpointOptions {
  url: string
  /** Shown in logs; defaults to the URL. */
  name?: string
  /** Extra headers, e.g. `X-Scope-OrgID`. Headers the protocol or auth sets are refused. */
  headers?: Record<string, string>
  basicAuth?: { username: string; password: string }
  bearerToken?: string
  /** Read again for every request, so that a rotated token is picked up. */
  bearerTokenFile?: string
  tls?: TlsOptions
  /** Deadline of one request, connection included. Default 30 s. */
  remoteTimeoutMs?: number
  queue: QueueConfig
  /** Accepted for compatibility: payloads are sent as stored, exemplars are kept or removed upstream. */
  sendExemplars?: boolean
  registry?: Registry
  logger?: Logger
  /** The `component` label of the metrics, e.g. `prometheus.remote_write.default`. */
  component: string
}
