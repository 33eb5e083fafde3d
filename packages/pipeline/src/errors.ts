import { SluiceError } from '@sluice/contracts'

/**
 * The pool's queue is full. The receiver answers 429 so that the sender backs off and retries: the
 * bound on queued pushes is what keeps memory bounded under overload.
 */
export class PipelineBusyError extends SluiceError {
  constructor(queued: number) {
    super('SLUICE_ERR_PIPELINE_BUSY', `pipeline queue is full (${queued} pushes waiting)`, { status: 429 })
  }
}

/** A push arrived after {@link MetricsPipeline.close} began (503: another node can take it). */
export class PipelineClosedError extends SluiceError {
  constructor() {
    super('SLUICE_ERR_PIPELINE_CLOSED', 'pipeline is closed', { status: 503 })
  }
}

/**
 * A worker failed for a reason other than bad input: a bug or a crashed thread. 500, since nothing
 * about the request says a retry would fail.
 */
export class PipelineTaskError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SLUICE_ERR_PIPELINE_TASK', message, { status: 500, cause: options.cause })
  }
}
