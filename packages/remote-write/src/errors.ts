import { SluiceError } from '@sluice/contracts'

/** Invalid endpoint or queue options: a configuration error, found when the sender is built. */
export class RemoteWriteOptionsError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_REMOTE_WRITE_OPTIONS', message, { status: 500 })
  }
}

/** The sender was started twice, or after it was stopped. */
export class RemoteWriteStateError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_REMOTE_WRITE_STATE', message, { status: 500 })
  }
}
