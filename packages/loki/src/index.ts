/**
 * @sluice/loki: the WAL-backed sender of `loki.write` and the file tailer of `loki.source.file`.
 */
export { receiveTimeNs } from './clock.ts'
export { DEFAULT_ENDPOINT, type LokiEndpointOptions, type LokiTlsOptions } from './config.ts'
export { LokiOptionsError, LokiStateError } from './errors.ts'
export { type FileTarget, FileTargets, type FileTargetsOptions } from './file-targets.ts'
export { type Position, Positions } from './positions.ts'
export { recordsByShard, StreamRecord, streamShard } from './record.ts'
export { LokiSender } from './sender.ts'
export { type DeliverStream, FileTailer, type TailerOptions } from './tailer.ts'
