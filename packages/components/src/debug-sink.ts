import type { Logger } from '@sluice/telemetry'
import { readSeriesLabels, splitWriteRequest } from '@sluice/wire'

/**
 * Counts what reaches it and logs a short summary at a fixed interval — series, samples and the
 * busiest metric names — so a gateway with no backend shows that data flows without flooding the
 * terminal (the role of Alloy's prometheus.echo or the Collector's debug exporter at basic verbosity).
 */
export class DebugSummary {
  readonly #logger: Logger
  readonly #timer: NodeJS.Timeout
  #requests = 0
  #series = 0
  #samples = 0
  #names = new Map<string, number>()

  constructor(logger: Logger, intervalMs = 10_000) {
    this.#logger = logger
    this.#timer = setInterval(() => this.flush(), intervalMs)
    this.#timer.unref()
  }

  /** Adds an uncompressed remote-write 1.0 request to the running totals. */
  add(payload: Uint8Array): void {
    const index = splitWriteRequest(payload)
    this.#requests++
    this.#series += index.count
    for (let i = 0; i < index.count; i++) {
      this.#samples += index.samples[i]!
      // Names are tallied for a bounded sample of series so the summary costs little on big pushes.
      if (i < 256) {
        const name =
          readSeriesLabels(payload, index.starts[i]!, index.ends[i]!).find((l) => l.name === '__name__')
            ?.value ?? ''
        if (this.#names.size < 10_000 || this.#names.has(name))
          this.#names.set(name, (this.#names.get(name) ?? 0) + 1)
      }
    }
  }

  flush(): void {
    if (this.#requests === 0) return
    const top = [...this.#names.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([n]) => n)
    this.#logger.info(
      { requests: this.#requests, series: this.#series, samples: this.#samples, top_metrics: top },
      'debug sink summary',
    )
    this.#requests = 0
    this.#series = 0
    this.#samples = 0
    this.#names = new Map()
  }

  close(): void {
    clearInterval(this.#timer)
    this.flush()
  }
}
