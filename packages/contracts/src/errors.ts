/**
 * The base of every error Sluice throws on purpose. `code` is stable (`SLUICE_ERR_*`) so callers
 * branch on it rather than on messages; `status` is the HTTP status a receiver answers with when the
 * error reaches a client.
 */
export class SluiceError extends Error {
  readonly code: string
  readonly status: number

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = options.status ?? 500
  }
}

/** True when `err` is a SluiceError, optionally with the given code. */
export function isSluiceError(err: unknown, code?: string): err is SluiceError {
  return err instanceof SluiceError && (code === undefined || err.code === code)
}
