import { isSluiceError } from '@sluice/contracts'
import { DecodeError, LimitError, type LimitName, SnappyError } from '@sluice/wire'
import type { StartCell } from './deadline.ts'
import { PipelineTaskError } from './errors.ts'
import type { PushJob } from './plan.ts'

/**
 * What crosses the thread boundary. Structured clone keeps neither class prototypes nor an error's own
 * fields (`code`, `status`), so a worker answers with plain data and the main thread rebuilds the
 * typed result or error.
 */
export type TaskResponse = { ok: true; result: unknown } | { ok: false; error: PlainError }

/** A push as sent to a worker: the job, and the cell the worker stamps when it starts (deadline.ts). */
export interface PushTask extends PushJob {
  started: StartCell
}

/** An error as plain data. */
export interface PlainError {
  name: string
  code: string
  status: number
  message: string
  limit?: LimitName
  max?: number
}

/** The plain form of an error thrown in a worker. */
export function toPlainError(err: unknown): PlainError {
  if (isSluiceError(err)) {
    const plain: PlainError = { name: err.name, code: err.code, status: err.status, message: err.message }
    if (err instanceof LimitError) {
      plain.limit = err.limit
      plain.max = err.max
    }
    return plain
  }
  const message = err instanceof Error ? err.message : String(err)
  return { name: 'Error', code: 'SLUICE_ERR_PIPELINE_TASK', status: 500, message }
}

/**
 * Rebuilds the typed error: the wire format's errors keep their class, code and status (the client's
 * 4xx); anything else is a {@link PipelineTaskError} (500) naming the original code.
 */
export function fromPlainError(plain: PlainError): Error {
  let err: Error
  if (plain.name === 'DecodeError') err = new DecodeError(plain.message)
  else if (plain.name === 'SnappyError') err = new SnappyError(plain.message)
  else if (plain.name === 'LimitError' && plain.limit !== undefined && plain.max !== undefined) {
    err = new LimitError(plain.limit, plain.max, 0)
    // Keep the worker's message, which names the actual value.
    err.message = plain.message
  } else err = new PipelineTaskError(`worker failed (${plain.code}): ${plain.message}`)
  return err
}
