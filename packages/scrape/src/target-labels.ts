import { compareLabels, type Label } from '@sluice/contracts'
import type { ScrapeConfig, Target } from './config.ts'
import { formatDurationMs, parseDurationMs } from './duration.ts'

const META_PREFIX = '__meta_'
const PARAM_PREFIX = '__param_'

/**
 * The identity of a discovered target: its labels that do not start with `__meta_`, sorted by name.
 * Alloy's clustering hashes exactly this set to pick a target's owner, so ownership and diffing use
 * the same key. The key is JSON, so no label value can make two different sets collide.
 */
export function targetKey(target: Target): string {
  const kept = target.labels.filter((l) => !l.name.startsWith(META_PREFIX)).sort(compareLabels)
  const flat: string[] = []
  for (const l of kept) flat.push(l.name, l.value)
  return JSON.stringify(flat)
}

/** A target after Prometheus's label population: where and how often to scrape it, and its public labels. */
export interface ResolvedTarget {
  /** The full scrape URL with query parameters. */
  url: string
  intervalMs: number
  timeoutMs: number
  /** Labels attached to every scraped sample: no `__`-prefixed names, sorted by name. */
  labels: Label[]
}

/**
 * Prometheus's label population (`PopulateLabels`): fills `job`, `__scheme__`, `__metrics_path__`,
 * `__scrape_interval__`, `__scrape_timeout__` and `__param_<name>` from the config where the target
 * does not set them, requires `__address__`, checks the durations (timeout no longer than the
 * interval), drops `__meta_*`, and defaults `instance` to the address. Returns null for a target
 * Prometheus would reject.
 */
export function resolveTarget(target: Target, config: ScrapeConfig): ResolvedTarget | null {
  const set = new Map<string, string>()
  for (const l of target.labels) if (l.value !== '') set.set(l.name, l.value)
  const defaults: [string, string][] = [
    ['job', config.job_name],
    ['__scrape_interval__', formatDurationMs(config.scrape_interval_ms)],
    ['__scrape_timeout__', formatDurationMs(config.scrape_timeout_ms)],
    ['__metrics_path__', config.metrics_path],
    ['__scheme__', config.scheme],
  ]
  for (const [name, value] of defaults) if (!set.has(name)) set.set(name, value)
  for (const [name, values] of Object.entries(config.params)) {
    const first = values[0]
    if (first !== undefined && !set.has(PARAM_PREFIX + name)) set.set(PARAM_PREFIX + name, first)
  }

  const address = set.get('__address__')
  // An address is host:port (or a bare host); a path or scheme in it means a broken relabelling.
  if (address === undefined || address.includes('/') || address.includes('://')) return null
  let intervalMs: number
  let timeoutMs: number
  try {
    intervalMs = parseDurationMs(set.get('__scrape_interval__')!)
    timeoutMs = parseDurationMs(set.get('__scrape_timeout__')!)
  } catch {
    return null
  }
  if (intervalMs === 0 || timeoutMs === 0 || timeoutMs > intervalMs) return null

  if (!set.has('instance')) set.set('instance', address)

  const query = new URLSearchParams()
  const paramValues = new Map<string, string[]>()
  for (const [name, values] of Object.entries(config.params)) paramValues.set(name, [...values])
  for (const [name, value] of set) {
    if (!name.startsWith(PARAM_PREFIX)) continue
    const param = name.slice(PARAM_PREFIX.length)
    const values = paramValues.get(param)
    // The label overrides the first configured value, as Prometheus's Target.URL does.
    if (values !== undefined && values.length > 0) values[0] = value
    else paramValues.set(param, [value])
  }
  for (const [name, values] of paramValues) for (const v of values) query.append(name, v)
  const scheme = set.get('__scheme__')!
  let path = set.get('__metrics_path__')!
  if (!path.startsWith('/')) path = `/${path}`
  const qs = query.toString()
  const url = `${scheme}://${address}${path}${qs === '' ? '' : `?${qs}`}`

  const labels: Label[] = []
  for (const [name, value] of set) if (!name.startsWith('__')) labels.push({ name, value })
  labels.sort(compareLabels)
  return { url, intervalMs, timeoutMs, labels }
}

/**
 * The labels a target attaches to its samples (`job`, `instance` and every other label without a
 * `__` prefix), sorted by name; null when the target has no usable address or invalid durations.
 */
export function finalTargetLabels(target: Target, config: ScrapeConfig): Label[] | null {
  return resolveTarget(target, config)?.labels ?? null
}
