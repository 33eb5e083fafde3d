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

/**
 * A push ran on its worker thread for longer than the pipeline's `taskTimeoutMs`; the thread was
 * terminated (piscina starts a new one). The usual cause is a relabel regex backtracking on a crafted
 * label value, and that happens again on every retry of the same bytes: so the answer is 400, which
 * makes a remote-write sender drop the batch instead of retrying it forever (a 5xx would block the
 * sender's shard and cost a thread per retry). Only the time the push actually runs counts, not its
 * wait in the queue, so overload alone does not trip it; at the default 5 s that is thousands of
 * times the cost of a normal push.
 */
export class PipelineTimeoutError extends SluiceError {
  constructor(timeoutMs: number) {
    super('SLUICE_ERR_PIPELINE_TIMEOUT', `push ran for more than ${timeoutMs} ms on a worker thread`, {
      status: 400,
    })
  }
}

/**
 * A cluster forward body (forward-body.ts) that does not parse: a bug or a foreign client, never a
 * transient state, so 400 (the sending member does not retry bytes that cannot become valid).
 */
export class ForwardBodyError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_FORWARD_BODY', `malformed cluster forward body: ${message}`, { status: 400 })
  }
}
