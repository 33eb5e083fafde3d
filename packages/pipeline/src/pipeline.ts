import { availableParallelism } from 'node:os'
import { isMarkedAsUntransferable } from 'node:worker_threads'
import { type Logger, nullLogger, Registry } from '@sluice/telemetry'
import { Piscina } from 'piscina'
import { Deadline, newStartCell } from './deadline.ts'
import { PipelineBusyError, PipelineClosedError, PipelineTaskError, PipelineTimeoutError } from './errors.ts'
import { PipelineMetrics } from './metrics.ts'
import type { PushJob } from './plan.ts'
import { MainOutput, PushOutput, PushResult, RemoteOutput } from './result.ts'
import { fromPlainError, type PushTask, type TaskResponse } from './task.ts'

/** Options of a {@link MetricsPipeline}. */
export interface MetricsPipelineOptions {
  /** Worker threads, all started up front. Default: the available cores. */
  threads?: number
  /**
   * Most pushes waiting for a thread; one more is refused with {@link PipelineBusyError} (429). With
   * the 2 per thread handed to threads, this bounds the memory held by bodies in the pipeline to
   * `(maxQueue + 2 x threads) x` the largest accepted body. Default: 8 per thread.
   */
  maxQueue?: number
  /**
   * Longest a push may run on its thread (queue wait not counted) before the thread is terminated
   * and the push rejected with {@link PipelineTimeoutError} (400). Guards against relabel regexes
   * that backtrack for seconds on crafted label values. Default: 5000.
   */
  taskTimeoutMs?: number
  registry?: Registry
  logger?: Logger
}

const WORKER_URL = new URL('./worker.ts', import.meta.url).href

/** piscina's own refusals when its queue is full (it has no error codes, only these messages). */
const QUEUE_FULL_MESSAGES = new Set([
  'Task queue is at limit',
  'No task queue available and all Workers are busy',
])

/**
 * The worker-pool stages of a metrics push: decode, split, route by owner, relabel and re-encode run
 * on piscina threads; the main thread only moves buffers in and out.
 */
export class MetricsPipeline {
  readonly #pool: Piscina
  readonly #maxQueue: number
  readonly #taskTimeoutMs: number
  readonly #metrics: PipelineMetrics
  readonly #logger: Logger
  #closed = false

  constructor(options: MetricsPipelineOptions = {}) {
    const threads = options.threads ?? availableParallelism()
    this.#maxQueue = options.maxQueue ?? threads * 8
    this.#taskTimeoutMs = options.taskTimeoutMs ?? 5000
    this.#logger = options.logger ?? nullLogger
    this.#pool = new Piscina({
      filename: WORKER_URL,
      name: 'default',
      minThreads: threads,
      maxThreads: threads,
      // Threads are kept for the life of the pipeline: they hold the warm relabel caches.
      idleTimeout: Number.POSITIVE_INFINITY,
      maxQueue: this.#maxQueue,
      // Tasks are synchronous, so a thread still runs one at a time; a second one sent ahead waits in
      // the thread's port and starts the moment the first ends, instead of after a round trip through
      // the main thread (the idle gap fell from ~0.3 to ~0.17 ms per push; docs/benchmarks.md). The cost:
      // when a push times out and its thread is terminated, the push sent ahead to it fails too (500).
      concurrentTasksPerWorker: 2,
    })
    const pool = this.#pool
    this.#metrics = new PipelineMetrics(
      options.registry ?? new Registry(),
      {
        queueSize: () => pool.queueSize,
        utilization: () => pool.utilization,
      },
      threads,
    )
  }

  /**
   * Runs one push through a worker.
   *
   * `job.body` is moved to the worker when it is the whole of a transferable ArrayBuffer (it is then
   * detached: the caller must not read it again); otherwise it is copied once.
   *
   * @throws DecodeError, SnappyError, LimitError (4xx) for bad input; {@link PipelineBusyError} (429)
   *   when the queue is full; {@link PipelineClosedError} (503) after `close`;
   *   {@link PipelineTimeoutError} (400) when the push runs past `taskTimeoutMs`; {@link PipelineTaskError}
   *   (500) when a worker fails.
   */
  async push(job: PushJob): Promise<PushResult> {
    if (this.#closed) throw new PipelineClosedError()
    const { tasks, duration } = this.#metrics
    if (this.#pool.queueSize >= this.#maxQueue) {
      tasks.inc({ result: 'busy' })
      throw new PipelineBusyError(this.#pool.queueSize)
    }
    const body = ownedBody(job.body)
    const startCell = newStartCell()
    const task: PushTask = { ...job, body, started: startCell }
    const timeoutMs = this.#taskTimeoutMs
    let timedOut = false
    const deadline = new Deadline(startCell, timeoutMs, (threadId) => {
      timedOut = true
      this.#terminate(threadId)
    })
    const started = performance.now()
    let response: TaskResponse
    try {
      // piscina infers its TransferList type from the last overload of MessagePort.postMessage, which
      // in current @types/node is the options form; the runtime takes the plain array.
      const transferList = [body.buffer] as never
      response = await this.#pool.run(task, { transferList })
    } catch (err) {
      if (timedOut) {
        tasks.inc({ result: 'timeout' })
        this.#logger.warn({ timeoutMs }, 'pipeline task timed out; its worker thread was replaced')
        throw new PipelineTimeoutError(timeoutMs)
      }
      if (err instanceof Error && QUEUE_FULL_MESSAGES.has(err.message)) {
        tasks.inc({ result: 'busy' })
        throw new PipelineBusyError(this.#pool.queueSize)
      }
      tasks.inc({ result: 'error' })
      this.#logger.error({ err }, 'pipeline worker failed')
      throw new PipelineTaskError('pipeline worker failed', { cause: err })
    } finally {
      deadline.clear()
      duration.observe((performance.now() - started) / 1000)
    }
    if (!response.ok) {
      const err = fromPlainError(response.error)
      if (response.error.status >= 500) {
        tasks.inc({ result: 'error' })
        this.#logger.error({ err: response.error }, 'pipeline task failed')
      } else tasks.inc({ result: 'rejected' })
      throw err
    }
    tasks.inc({ result: 'ok' })
    return revive(response.result as PushResult)
  }

  /**
   * Parses one scrape body on a worker (the `parseScrape` task, `@sluice/scrape`'s `parseScrapeTask`);
   * answers its plain-data response. The body is moved when it owns its whole ArrayBuffer, else copied.
   *
   * @throws {@link PipelineBusyError} when the queue is full, {@link PipelineClosedError} after `close`.
   */
  async parseScrape(input: { body: string | Uint8Array }): Promise<unknown> {
    if (this.#closed) throw new PipelineClosedError()
    if (this.#pool.queueSize >= this.#maxQueue) throw new PipelineBusyError(this.#pool.queueSize)
    if (typeof input.body === 'string') return this.#pool.run(input, { name: 'parseScrape' })
    const body = ownedBody(input.body)
    return this.#pool.run({ ...input, body }, { name: 'parseScrape', transferList: [body.buffer] as never })
  }

  /**
   * Terminates the thread running a push past its deadline: a synchronous regex cannot be interrupted
   * from inside. piscina sees the exit, fails that thread's tasks and starts a replacement.
   */
  #terminate(threadId: number): void {
    for (const thread of this.#pool.threads) {
      if (thread.threadId === threadId) {
        this.#logger.warn({ threadId }, 'terminating a pipeline thread past its task deadline')
        void thread.terminate()
      }
    }
  }

  /** Stops taking pushes, lets queued and running ones finish, then stops the threads. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#pool.close()
  }
}

/**
 * A body the worker can take: the caller's own buffer when it spans a whole transferable ArrayBuffer,
 * else a copy. Node's pooled small Buffers share one ArrayBuffer (marked untransferable): moving it
 * would throw, or detach other Buffers' bytes.
 */
function ownedBody(body: Uint8Array): Uint8Array {
  const ab = body.buffer
  if (
    ab instanceof ArrayBuffer &&
    body.byteOffset === 0 &&
    body.byteLength === ab.byteLength &&
    !isMarkedAsUntransferable(ab)
  ) {
    return body
  }
  return body.slice()
}

/** Gives the structured-cloned result its classes back (their shapes are what the WAL path expects). */
function revive(plain: PushResult): PushResult {
  return new PushResult(
    plain.local.map((o) => new PushOutput(o.sinkId, o.shard, o.shards, o.payload, o.series, o.samples)),
    plain.main.map((o) => new MainOutput(o.id, o.payload, o.series, o.samples)),
    plain.remote.map((o) => new RemoteOutput(o.ownerIndex, o.payload, o.series, o.samples)),
    plain.seriesIn,
    plain.samplesIn,
    plain.droppedByRelabel,
  )
}
