export { Backoff } from './backoff.ts'
export { EndpointClient, type HeaderSource, type Outcome } from './client.ts'
export {
  DEFAULT_QUEUE_CONFIG,
  DEFAULT_REMOTE_TIMEOUT_MS,
  type EndpointOptions,
  type QueueConfig,
  type TlsOptions,
} from './config.ts'
export { RemoteWriteOptionsError, RemoteWriteStateError } from './errors.ts'
export { EndpointHeaders, type HeaderOptions, type HeaderProtocol } from './headers.ts'
export { parseRetryAfter } from './retry-after.ts'
export { RemoteWriteSender, type SenderOptions, WAL_FORMAT } from './sender.ts'
export { type Delivery, ShardReader, type ShardReaderOptions } from './shard-reader.ts'
export { RESHARD_INTERVAL_MS, ShardScaler, type ShardScalerOptions } from './shard-scaler.ts'
