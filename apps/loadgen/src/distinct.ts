import { setTimeout as sleep } from 'node:timers/promises'
import { type Rss, readRss } from './rss.ts'
import { buildRequest } from './series.ts'

/** Options of {@link pushDistinct}. */
export interface DistinctOptions {
  /** A remote-write 1.0 endpoint, e.g. `http://127.0.0.1:18480/api/v1/metrics/write`. */
  url: string
  /** Distinct series pushed in all; each request carries new ones, never seen before in the run. */
  totalSeries: number
  /** Series per request (one sample each). */
  perRequest: number
  /** The requests are spread evenly over this time. */
  durationMs: number
  /** Requests in flight at most. */
  concurrency: number
  /** Labels per series, `__name__` included. Default 8. */
  labels?: number
  /** When set, this process's resident memory is sampled every second, and for `settleMs` after. */
  pid?: number
  settleMs?: number
  /** Called with each RSS sample as it is taken (progress output). */
  onSample?: (sample: RssSample) => void
}

/** One RSS reading during the run. */
export interface RssSample extends Rss {
  elapsedMs: number
  /** Distinct series acknowledged (2xx) so far. */
  seriesAccepted: number
}

/** What a run did. */
export interface DistinctResult {
  requests: number
  failed: number
  seriesAccepted: number
  elapsedMs: number
  samples: RssSample[]
}

/**
 * Pushes `totalSeries` distinct series in requests of `perRequest`, paced evenly over `durationMs`
 * with at most `concurrency` in flight, and samples the receiver's RSS. Bounded: it sends exactly
 * ceil(totalSeries / perRequest) requests, each with a 30 s timeout, and stops sampling `settleMs`
 * after the last answer.
 */
export async function pushDistinct(options: DistinctOptions): Promise<DistinctResult> {
  const requests = Math.ceil(options.totalSeries / options.perRequest)
  const interval = options.durationMs / requests
  const started = performance.now()
  const samples: RssSample[] = []
  let next = 0
  let failed = 0
  let accepted = 0
  let sampling = true
  const sampler = (async () => {
    if (options.pid === undefined) return
    for (let tick = 0; sampling; tick++) {
      const rss = await readRss(options.pid)
      const sample = { elapsedMs: performance.now() - started, seriesAccepted: accepted, ...rss }
      samples.push(sample)
      options.onSample?.(sample)
      // Ticks are kept on a 1 s grid from the start, whatever each read cost.
      await sleep(Math.max(0, started + (tick + 1) * 1000 - performance.now()))
    }
  })()
  const sender = async (): Promise<void> => {
    for (let k = next++; k < requests; k = next++) {
      const due = started + k * interval
      if (due > performance.now()) await sleep(due - performance.now())
      const first = k * options.perRequest
      const count = Math.min(options.perRequest, options.totalSeries - first)
      const body = buildRequest({ first, count, labels: options.labels ?? 8, timestampMs: Date.now() })
      try {
        const res = await fetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-protobuf',
            'content-encoding': 'snappy',
            'x-prometheus-remote-write-version': '0.1.0',
          },
          body,
          signal: AbortSignal.timeout(30_000),
        })
        await res.arrayBuffer()
        if (res.ok) accepted += count
        else failed++
      } catch {
        failed++
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, sender))
  const elapsedMs = performance.now() - started
  if (options.pid !== undefined) await sleep(options.settleMs ?? 0)
  sampling = false
  await sampler
  return { requests, failed, seriesAccepted: accepted, elapsedMs, samples }
}
