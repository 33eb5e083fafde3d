import { SluiceError } from '@sluice/contracts'

/**
 * The body is not a valid exposition (400). The message starts with `line N:` so a scrape error
 * shown to a user points at the offending line; `line` carries the same number for code.
 */
export class ExpositionError extends SluiceError {
  readonly line: number

  constructor(line: number, message: string, options: { code?: string; status?: number } = {}) {
    super(options.code ?? 'SLUICE_ERR_EXPOSITION', `line ${line}: ${message}`, {
      status: options.status ?? 400,
    })
    this.line = line
  }
}

/** The name of a limit a parse can cross: an {@link ExpositionLimits} key. */
export type ExpositionLimitName =
  | 'maxSamples'
  | 'maxLabelsPerSample'
  | 'maxLabelNameLength'
  | 'maxLabelValueLength'

/**
 * The body crossed one of the configured {@link ExpositionLimits}. It is an {@link ExpositionError}
 * (so one `instanceof` catches every failed parse) with its own code. Too many samples answers 413
 * (the size of the whole body); the per-sample limits answer 400 (the shape of one series).
 */
export class ExpositionLimitError extends ExpositionError {
  readonly limit: ExpositionLimitName
  readonly max: number

  constructor(line: number, limit: ExpositionLimitName, max: number, actual: number) {
    super(line, `${limit} exceeded: ${actual} > ${max}`, {
      code: 'SLUICE_ERR_EXPOSITION_LIMIT',
      status: limit === 'maxSamples' ? 413 : 400,
    })
    this.limit = limit
    this.max = max
  }
}

/** Longest piece of input quoted in an error message; a garbage token can be megabytes long. */
const MAX_QUOTED = 64

/** `text` as a JSON string literal for an error message, cut to {@link MAX_QUOTED} characters. */
export function quote(text: string): string {
  return text.length <= MAX_QUOTED ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, MAX_QUOTED))}...`
}
