import { Counter, Histogram, type Registry } from '@sluice/telemetry'

/** Why entries were dropped instead of delivered. */
export type DropReason = 'http_4xx' | 'rate_limited' | 'retries_exhausted'

const LABELS = ['component', 'url']

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  return (
    (registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] })
  )
}

/**
 * The metrics of one Loki sender, labelled by component and endpoint URL. Several senders share a
 * registry, which refuses a second metric of one name: each metric is created once per registry.
 */
export class LokiSenderMetrics {
  readonly #labels: { component: string; url: string }
  readonly #sent: Counter
  readonly #sentBytes: Counter
  readonly #dropped: Counter
  readonly #retries: Counter
  readonly #duration: Histogram

  constructor(registry: Registry, labels: { component: string; url: string }) {
    this.#labels = labels
    this.#sent = counter(
      registry,
      'sluice_loki_sent_entries_total',
      'Log entries the Loki endpoint accepted.',
      LABELS,
    )
    this.#sentBytes = counter(
      registry,
      'sluice_loki_sent_bytes_total',
      'Compressed request bytes the Loki endpoint accepted.',
      LABELS,
    )
    this.#dropped = counter(
      registry,
      'sluice_loki_dropped_entries_total',
      'Log entries dropped instead of delivered, by reason.',
      [...LABELS, 'reason'],
    )
    this.#retries = counter(registry, 'sluice_loki_retries_total', 'Loki push requests retried, by reason.', [
      ...LABELS,
      'reason',
    ])
    this.#duration =
      (registry.getSingleMetric('sluice_loki_request_duration_seconds') as Histogram | undefined) ??
      new Histogram({
        name: 'sluice_loki_request_duration_seconds',
        help: 'Duration of Loki push requests, failed ones included.',
        labelNames: LABELS,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      })
  }

  sent(entries: number, bytes: number): void {
    this.#sent.inc(this.#labels, entries)
    this.#sentBytes.inc(this.#labels, bytes)
  }

  retried(reason: string): void {
    this.#retries.inc({ ...this.#labels, reason })
  }

  dropped(reason: DropReason, entries: number): void {
    this.#dropped.inc({ ...this.#labels, reason }, entries)
  }

  observeRequest(seconds: number): void {
    this.#duration.observe(this.#labels, seconds)
  }
}
