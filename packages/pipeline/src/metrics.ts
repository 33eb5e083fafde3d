import { Counter, Gauge, Histogram, type Registry } from '@sluice/telemetry'

/** How a push through the pool ended, the `result` label of `sluice_pipeline_tasks_total`. */
export type TaskOutcome = 'ok' | 'rejected' | 'busy' | 'timeout' | 'error'

/** Reads the live state of the pool when the registry is scraped. */
export interface PoolGauges {
  queueSize(): number
  utilization(): number
}

/** The pool's metrics, registered once per pipeline on its registry. */
export class PipelineMetrics {
  readonly tasks: Counter<'result'>
  readonly duration: Histogram

  constructor(registry: Registry, pool: PoolGauges, threads: number) {
    new Gauge({
      name: 'sluice_pipeline_threads',
      help: 'Worker threads of the pipeline (--pipeline.threads).',
      registers: [registry],
    }).set(threads)
    new Gauge({
      name: 'sluice_pipeline_queue_depth',
      help: 'Pushes waiting for a worker thread.',
      registers: [registry],
      collect() {
        this.set(pool.queueSize())
      },
    })
    new Gauge({
      name: 'sluice_pipeline_utilization',
      help: 'Share of the worker threads time spent running pushes since start (0-1, from piscina).',
      registers: [registry],
      collect() {
        this.set(pool.utilization())
      },
    })
    this.tasks = new Counter({
      name: 'sluice_pipeline_tasks_total',
      help: 'Pushes handed to the pipeline, by result: ok, rejected (bad input), busy (queue full), timeout, error.',
      labelNames: ['result'],
      registers: [registry],
    })
    this.duration = new Histogram({
      name: 'sluice_pipeline_task_duration_seconds',
      help: 'Time from handing a push to the pool to its result, queueing included.',
      // Pushes of a few thousand series take around a millisecond; the tail shows queueing.
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    })
  }
}
