import { Counter, Gauge, Histogram, type Registry } from '@sluice/telemetry'

/** Why a retry happened. */
export type RetryReason = 'http_5xx' | 'http_429' | 'network' | 'timeout'
/** Why samples were dropped instead of delivered. */
export type DropReason = 'http_4xx' | 'http_other' | 'too_old'

/** What the gauges read at scrape time from each running sender. */
interface GaugeReadings {
  pendingRecords(): number
  shards(): number
  desiredShards(): number
}

interface QueueSource extends GaugeReadings {
  readonly labels: { component: string; url: string }
}

const LABELS = ['component', 'url']

/**
 * Several senders (endpoints, components) share a registry, which refuses a second metric of one
 * name: metrics are created once per registry, and each sender adds itself as a gauge source.
 */
const sourcesByRegistry = new WeakMap<Registry, Set<QueueSource>>()

function sourcesOf(registry: Registry): Set<QueueSource> {
  let sources = sourcesByRegistry.get(registry)
  if (sources === undefined) {
    const created = new Set<QueueSource>()
    sources = created
    sourcesByRegistry.set(registry, created)
    new Gauge({
      name: 'sluice_remote_write_queue_records',
      help: 'Records in the WAL waiting to be sent to the endpoint.',
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset()
        for (const source of created) this.set(source.labels, source.pendingRecords())
      },
    })
    new Gauge({
      name: 'sluice_remote_write_shards',
      help: 'WAL shards the endpoint splits series into now (between min_shards and max_shards).',
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset()
        for (const source of created) this.set(source.labels, source.shards())
      },
    })
    new Gauge({
      name: 'sluice_remote_write_shards_desired',
      help: 'Shards the last look at the load asked for, before tolerance and min/max (Prometheus: desired_num_shards).',
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset()
        for (const source of created) this.set(source.labels, source.desiredShards())
      },
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

/** The metrics of one sender, labelled by component and endpoint URL. */
export class RemoteWriteMetrics {
  readonly #registry: Registry
  readonly #source: QueueSource
  readonly #labels: { component: string; url: string }
  readonly #sentSamples: Counter
  readonly #sentBytes: Counter
  readonly #retries: Counter
  readonly #dropped: Counter
  readonly #duration: Histogram
  readonly #reshards: Counter

  constructor(registry: Registry, labels: { component: string; url: string }, readings: GaugeReadings) {
    this.#registry = registry
    this.#labels = labels
    this.#source = { labels, ...readings }
    sourcesOf(registry).add(this.#source)
    this.#sentSamples = counter(
      registry,
      'sluice_remote_write_sent_samples_total',
      'Samples the endpoint accepted.',
      LABELS,
    )
    this.#sentBytes = counter(
      registry,
      'sluice_remote_write_sent_bytes_total',
      'Compressed request bytes the endpoint accepted.',
      LABELS,
    )
    this.#retries = counter(registry, 'sluice_remote_write_retries_total', 'Requests retried, by reason.', [
      ...LABELS,
      'reason',
    ])
    this.#dropped = counter(
      registry,
      'sluice_remote_write_dropped_samples_total',
      'Samples dropped instead of delivered, by reason.',
      [...LABELS, 'reason'],
    )
    this.#duration =
      (registry.getSingleMetric('sluice_remote_write_request_duration_seconds') as Histogram | undefined) ??
      new Histogram({
        name: 'sluice_remote_write_request_duration_seconds',
        help: 'Duration of remote-write requests, failed ones included.',
        labelNames: LABELS,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      })
    this.#reshards = counter(
      registry,
      'sluice_remote_write_reshards_total',
      'Changes of the shard count, by direction (up, down).',
      [...LABELS, 'direction'],
    )
  }

  resharded(direction: 'up' | 'down'): void {
    this.#reshards.inc({ ...this.#labels, direction })
  }

  sent(samples: number, bytes: number): void {
    this.#sentSamples.inc(this.#labels, samples)
    this.#sentBytes.inc(this.#labels, bytes)
  }

  retried(reason: RetryReason): void {
    this.#retries.inc({ ...this.#labels, reason })
  }

  dropped(reason: DropReason, samples: number): void {
    this.#dropped.inc({ ...this.#labels, reason }, samples)
  }

  observeRequest(seconds: number): void {
    this.#duration.observe(this.#labels, seconds)
  }

  /** Stops reporting this sender's queue gauge. */
  detach(): void {
    sourcesOf(this.#registry).delete(this.#source)
  }
}
