import { Counter, Gauge, Histogram, type Registry } from '@sluice/telemetry'

/** Sluice's own metrics about scraping, labelled by component so several jobs share one registry. */
export class ScrapeMetrics {
  readonly targets: Gauge<'component'>
  readonly scrapes: Counter<'component' | 'result'>
  readonly samples: Counter<'component'>
  readonly staleMarkers: Counter<'component'>
  readonly appendFailures: Counter<'component'>
  readonly duration: Histogram<'component'>
  readonly handoverWaits: Counter<'component' | 'result'>

  constructor(registry: Registry | undefined) {
    const registers = registry === undefined ? [] : [registry]
    // Several managers may share a registry: reuse a metric another one already registered.
    const existing = <T>(name: string): T | undefined =>
      registry?.getSingleMetric(name) as unknown as T | undefined
    this.targets =
      existing('sluice_scrape_targets') ??
      new Gauge({
        name: 'sluice_scrape_targets',
        help: 'Targets this node scrapes, by component.',
        labelNames: ['component'],
        registers,
      })
    this.scrapes =
      existing('sluice_scrape_scrapes_total') ??
      new Counter({
        name: 'sluice_scrape_scrapes_total',
        help: 'Scrapes done, by result (success or failure).',
        labelNames: ['component', 'result'],
        registers,
      })
    this.samples =
      existing('sluice_scrape_samples_total') ??
      new Counter({
        name: 'sluice_scrape_samples_total',
        help: 'Samples taken from successful scrapes.',
        labelNames: ['component'],
        registers,
      })
    this.staleMarkers =
      existing('sluice_scrape_stale_markers_total') ??
      new Counter({
        name: 'sluice_scrape_stale_markers_total',
        help: 'Staleness markers written for series that vanished or whose target went away.',
        labelNames: ['component'],
        registers,
      })
    this.appendFailures =
      existing('sluice_scrape_append_failures_total') ??
      new Counter({
        name: 'sluice_scrape_append_failures_total',
        help: 'Scrape results the pipeline refused; their samples are lost.',
        labelNames: ['component'],
        registers,
      })
    this.duration =
      existing('sluice_scrape_duration_seconds') ??
      new Histogram({
        name: 'sluice_scrape_duration_seconds',
        help: 'Time from the start of a scrape to its parsed result.',
        labelNames: ['component'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      })
    this.handoverWaits =
      existing('sluice_scrape_handover_waits_total') ??
      new Counter({
        name: 'sluice_scrape_handover_waits_total',
        help: 'Targets gained through a change of ownership whose first scrape waited for the previous owner, by how the wait ended (claimed, gone, timed_out).',
        labelNames: ['component', 'result'],
        registers,
      })
  }
}
