import { Counter, Gauge, Histogram, type Registry } from '@sluice/telemetry'

/** What the gauges read at scrape time from each open WAL. */
export interface WalGaugeSource {
  readonly component: string
  stats(): { bytes: number; records: number; oldestAppendedAt: number | undefined }
}

/** Why records were dropped before they were sent. */
export type WalDropReason = 'max_size' | 'max_age'

/**
 * Several WALs (one per component) can share a registry, and a registry refuses a second metric of
 * the same name, so the metrics are created once per registry and each WAL registers as a source.
 */
const sourcesByRegistry = new WeakMap<Registry, Set<WalGaugeSource>>()

function sourcesOf(registry: Registry): Set<WalGaugeSource> {
  let sources = sourcesByRegistry.get(registry)
  if (sources === undefined) {
    const created = new Set<WalGaugeSource>()
    sources = created
    sourcesByRegistry.set(registry, created)
    const gauge = (name: string, help: string, read: (source: WalGaugeSource) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['component'],
        registers: [registry],
        collect() {
          this.reset()
          for (const source of created) {
            const value = read(source)
            if (value !== undefined) this.set({ component: source.component }, value)
          }
        },
      })
    gauge('sluice_wal_bytes', 'Bytes held in the write-ahead log (keys and values).', (s) => s.stats().bytes)
    gauge('sluice_wal_records', 'Records held in the write-ahead log.', (s) => s.stats().records)
    gauge('sluice_wal_oldest_record_age_seconds', 'Age of the oldest record in the write-ahead log.', (s) => {
      const oldest = s.stats().oldestAppendedAt
      return oldest === undefined ? undefined : Math.max(0, (Date.now() - oldest) / 1000)
    })
  }
  return sources
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  return (
    (registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] })
  )
}

/** The metrics of one WAL, bound to its component label. */
export class WalMetrics {
  readonly #registry: Registry
  readonly #source: WalGaugeSource
  readonly #appendDuration: Histogram
  readonly #replayed: Counter
  readonly #dropped: Counter

  constructor(registry: Registry, source: WalGaugeSource) {
    this.#registry = registry
    this.#source = source
    sourcesOf(registry).add(source)
    this.#appendDuration =
      (registry.getSingleMetric('sluice_wal_append_duration_seconds') as Histogram | undefined) ??
      new Histogram({
        name: 'sluice_wal_append_duration_seconds',
        help: 'Time from an append call until its batch is written, queueing behind its shard included.',
        labelNames: ['component'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      })
    this.#replayed = counter(
      registry,
      'sluice_wal_replayed_records_total',
      'Records found in the write-ahead log when it was opened.',
      ['component'],
    )
    this.#dropped = counter(
      registry,
      'sluice_wal_dropped_samples_total',
      'Samples dropped from the write-ahead log before they were sent, because it was full or they were too old.',
      ['component', 'reason'],
    )
  }

  observeAppend(seconds: number): void {
    this.#appendDuration.observe({ component: this.#source.component }, seconds)
  }

  replayed(records: number): void {
    this.#replayed.inc({ component: this.#source.component }, records)
  }

  dropped(reason: WalDropReason, samples: number): void {
    this.#dropped.inc({ component: this.#source.component, reason }, samples)
  }

  /** Stops reporting this WAL's gauges (after close). */
  detach(): void {
    sourcesOf(this.#registry).delete(this.#source)
  }
}
