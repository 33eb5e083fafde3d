import { SluiceError } from '@sluice/contracts'

/** An endpoint or tailer option is invalid (a configuration error: 400 when it reaches a client). */
export class LokiOptionsError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_LOKI_OPTIONS', message, { status: 400 })
  }
}

/** A sender or tailer was started twice, or used after it stopped. */
export class LokiStateError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_LOKI_STATE', message, { status: 500 })
  }
}
