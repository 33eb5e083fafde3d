import type { Label } from '@sluice/contracts'

/**
 * A discovered target: a label set with `__address__` and optionally `__scheme__`,
 * `__metrics_path__`, `__param_<name>`, `__scrape_interval__`, `__scrape_timeout__` and `__meta_*`
 * labels. This is what `discovery.*` components export and `prometheus.scrape` takes as `targets`.
 */
export interface Target {
  labels: Label[]
}

/** TLS settings of the scrape client (Alloy's `tls_config` block, with PEM contents). */
export interface ScrapeTlsConfig {
  ca_pem?: string
  cert_pem?: string
  key_pem?: string
  insecure_skip_verify?: boolean
  server_name?: string
}

/**
 * Arguments of one scrape job, named as Alloy's `prometheus.scrape` names them; durations in
 * milliseconds. {@link defaultScrapeConfig} gives Alloy's defaults.
 */
export interface ScrapeConfig {
  job_name: string
  scrape_interval_ms: number
  scrape_timeout_ms: number
  metrics_path: string
  scheme: 'http' | 'https'
  params: Record<string, string[]>
  /** When true, labels exposed by the target win over target labels; otherwise they become `exported_<name>`. */
  honor_labels: boolean
  /** When true, a timestamp exposed with a sample is kept; otherwise the scrape's start time is used. */
  honor_timestamps: boolean
  /** When true, samples with exposed timestamps also get staleness markers when they vanish. */
  track_timestamps_staleness: boolean
  /** Largest uncompressed body in bytes; 0 means no limit. A larger body fails the scrape. */
  body_size_limit: number
  /** Most samples one scrape may produce; 0 means no limit. More fails the scrape. */
  sample_limit: number
  /** Most labels on one sample (after target labels are attached); 0 means no limit. */
  label_limit: number
  label_name_length_limit: number
  label_value_length_limit: number
  /** Most targets this job scrapes on this node; 0 or absent means no limit. More fails every scrape. */
  target_limit?: number
  /**
   * Accepted for compatibility with Alloy configurations. Sluice negotiates only the text and
   * OpenMetrics formats, so the flag changes nothing: every target that speaks protobuf also speaks text.
   */
  enable_protobuf_negotiation: boolean
  /** Accepted for compatibility; classic histograms are always scraped as their series. */
  scrape_classic_histograms?: boolean
  basic_auth?: { username: string; password: string }
  bearer_token?: string
  bearer_token_file?: string
  authorization?: { type: string; credentials: string }
  tls_config?: ScrapeTlsConfig
  headers?: Record<string, string>
}

/** Alloy's defaults for `prometheus.scrape`, with the job name (Alloy uses the component's name). */
export function defaultScrapeConfig(jobName: string): ScrapeConfig {
  return {
    job_name: jobName,
    scrape_interval_ms: 60_000,
    scrape_timeout_ms: 10_000,
    metrics_path: '/metrics',
    scheme: 'http',
    params: {},
    honor_labels: false,
    honor_timestamps: true,
    track_timestamps_staleness: false,
    body_size_limit: 0,
    sample_limit: 0,
    label_limit: 0,
    label_name_length_limit: 0,
    label_value_length_limit: 0,
    target_limit: 0,
    enable_protobuf_negotiation: false,
  }
}
