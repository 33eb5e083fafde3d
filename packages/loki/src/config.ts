import type { TlsOptions } from '@sluice/remote-write'
import type { Logger, Registry } from '@sluice/telemetry'

/** TLS settings of an endpoint; `ca`, `cert` and `key` are PEM text (the caller reads the files). */
export type LokiTlsOptions = TlsOptions

/** One `endpoint` block of Alloy's `loki.write`, durations in milliseconds. */
export interface LokiEndpointOptions {
  url: string
  /** Shown in logs; defaults to the URL. */
  name?: string
  /** Extra headers. Headers the protocol or auth sets are refused. */
  headers?: Record<string, string>
  /** Sent as `X-Scope-OrgID` when not empty. */
  tenantId?: string
  basicAuth?: { username: string; password: string }
  bearerToken?: string
  /** Read again for every request, so that a rotated token is picked up. */
  bearerTokenFile?: string
  tls?: LokiTlsOptions
  /** Upper bound of the uncompressed protobuf bytes of one request (one larger WAL record goes alone). */
  batchSizeBytes: number
  /** How long a batch that is not full waits for more records before it is sent anyway. */
  batchWaitMs: number
  /** Deadline of one request, connection included. */
  remoteTimeoutMs: number
  minBackoffMs: number
  maxBackoffMs: number
  /** Retries before a batch is dropped; 0 retries without limit (as dskit's backoff reads it). */
  maxBackoffRetries: number
  /** Retry on 429; when false a 429 drops the batch at once. */
  retryOnHttp429: boolean
  registry?: Registry
  logger?: Logger
  /** The `component` label of the metrics, e.g. `loki.write.default`. */
  component: string
}

/** Alloy's `loki.write` endpoint defaults. */
export const DEFAULT_ENDPOINT: Readonly<
  Pick<
    LokiEndpointOptions,
    | 'batchSizeBytes'
    | 'batchWaitMs'
    | 'remoteTimeoutMs'
    | 'minBackoffMs'
    | 'maxBackoffMs'
    | 'maxBackoffRetries'
    | 'retryOnHttp429'
  >
> = Object.freeze({
  batchSizeBytes: 1024 * 1024,
  batchWaitMs: 1_000,
  remoteTimeoutMs: 10_000,
  minBackoffMs: 500,
  maxBackoffMs: 5 * 60_000,
  maxBackoffRetries: 10,
  retryOnHttp429: true,
})
