export { WalClosedError, WalFormatError, WalOptionsError, WalShardError, WalWriteError } from './errors.ts'
export { WalRecord } from './record.ts'
export { Wal, type WalAppend, type WalOptions, type WalShardStats, type WalStats } from './wal.ts'
