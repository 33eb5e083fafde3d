export { WalClosedError, WalFormatError, WalOptionsError, WalShardError, WalWriteError } from './errors.ts'
export { WalRecord } from './record.ts'
export { Wal, type WalOptions, type WalShardStats, type WalStats } from './wal.ts'
