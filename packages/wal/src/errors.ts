import { SluiceError } from '@sluice/contracts'

/** The WAL was used after `close()`. 503: the node is shutting down, the sender should retry elsewhere. */
export class WalClosedError extends SluiceError {
  constructor() {
    super('SLUICE_ERR_WAL_CLOSED', 'the write-ahead log is closed', { status: 503 })
  }
}

/** A shard id outside `[0, shards)`: a programming error in the caller. */
export class WalShardError extends SluiceError {
  constructor(shard: number, shards: number) {
    super('SLUICE_ERR_WAL_SHARD', `shard ${shard} is not in [0, ${shards})`, { status: 500 })
  }
}

/** Invalid options given to `Wal.open`. */
export class WalOptionsError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_WAL_OPTIONS', message, { status: 500 })
  }
}

/**
 * LevelDB failed to write or delete. 503 so that an ingest path answering a push with it makes the
 * edge retry: nothing it sent was acknowledged.
 */
export class WalWriteError extends SluiceError {
  constructor(message: string, cause: unknown) {
    super('SLUICE_ERR_WAL_WRITE', message, { status: 503, cause })
  }
}

/**
 * The database holds records of another layout (keys of an earlier build) or of another payload
 * format than the caller declared (`WalOptions.format`): nothing is replayed.
 */
export class WalFormatError extends SluiceError {
  constructor(path: string, found: string) {
    super(
      'SLUICE_ERR_WAL_FORMAT',
      `the WAL at ${path} holds ${found}, not this build's format; move it away to start afresh`,
      { status: 500 },
    )
  }
}
