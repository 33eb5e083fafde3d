import { SluiceError } from '@sluice/contracts'

/** A load-generator command was given something it cannot run with (a bad flag, an unreadable file). */
export class LoadgenUsageError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_LOADGEN_USAGE', message, { status: 400 })
  }
}
