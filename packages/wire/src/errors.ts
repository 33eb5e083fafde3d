import { SluiceError } from '@sluice/contracts'

/** The bytes are not a well-formed message of the expected schema (400). */
export class DecodeError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SLUICE_ERR_DECODE', message, { status: 400, cause: options.cause })
  }
}

/** The body is not a valid snappy block (400). */
export class SnappyError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SLUICE_ERR_SNAPPY', message, { status: 400, cause: options.cause })
  }
}

/** The name of a limit a request can cross: a {@link WireLimits} key or `maxDecodedBytes`. */
export type LimitName =
  | 'maxDecodedBytes'
  | 'maxSeries'
  | 'maxLabelsPerSeries'
  | 'maxLabelNameBytes'
  | 'maxLabelValueBytes'
  | 'maxSamplesPerSeries'

/**
 * Stable code and status per limit. Limits on the size of the whole request answer 413 (the sender
 * may retry with smaller batches); limits on the shape of one series answer 400 (resending the same
 * series cannot succeed).
 */
const LIMIT_CODES: Record<LimitName, { code: string; status: number }> = {
  maxDecodedBytes: { code: 'SLUICE_ERR_DECODED_TOO_LARGE', status: 413 },
  maxSeries: { code: 'SLUICE_ERR_TOO_MANY_SERIES', status: 413 },
  maxSamplesPerSeries: { code: 'SLUICE_ERR_TOO_MANY_SAMPLES', status: 413 },
  maxLabelsPerSeries: { code: 'SLUICE_ERR_TOO_MANY_LABELS', status: 400 },
  maxLabelNameBytes: { code: 'SLUICE_ERR_LABEL_NAME_TOO_LONG', status: 400 },
  maxLabelValueBytes: { code: 'SLUICE_ERR_LABEL_VALUE_TOO_LONG', status: 400 },
}

/** A request crossed one of the configured limits; `limit` names it and `max` is its value. */
export class LimitError extends SluiceError {
  readonly limit: LimitName
  readonly max: number

  constructor(limit: LimitName, max: number, actual: number | string) {
    const { code, status } = LIMIT_CODES[limit]
    super(code, `${limit} exceeded: ${actual} > ${max}`, { status })
    this.limit = limit
    this.max = max
  }
}
