import type { Label } from '@sluice/contracts'
import { Counter, Gauge, type Registry } from '@sluice/telemetry'
import { RelabelConfigError } from './errors.ts'
import type { Relabeler } from './relabeler.ts'

/** Options for RelabelCache. */
export interface RelabelCacheOptions {
  /** Hard bound on cached label sets; beyond it an entry not used recently is evicted (CLOCK). */
  maxEntries: number
  /** Where to register `sluice_relabel_cache_evictions_total` and `sluice_relabel_cache_entries`. */
  registry?: Registry
  /** Value of the `component` label on those metrics (default `default`). */
  component?: string
}

const EVICTIONS = 'sluice_relabel_cache_evictions_total'
const ENTRIES = 'sluice_relabel_cache_entries'

/** One cached result with its CLOCK reference bit. */
class Entry {
  readonly result: readonly Label[] | null
  referenced: boolean

  constructor(result: readonly Label[] | null) {
    this.result = result
    this.referenced = false
  }
}

/**
 * Memoises a Relabeler's results per input label set, with a hard bound on entries and CLOCK
 * (second-chance) eviction: a hit only sets a bit, so the hot path never reorders the map; eviction
 * walks from the oldest entry, giving referenced entries one more round.
 *
 * Results are shared between callers and frozen: do not modify them. A cache belongs to one Relabeler;
 * build a new cache when the rules change.
 */
export class RelabelCache {
  readonly #relabeler: Pick<Relabeler, 'process'>
  readonly #maxEntries: number
  readonly #entries: Map<string, Entry>
  #evictions: number
  readonly #evictionCounter: { inc(): void } | undefined
  readonly #entriesGauge: { set(value: number): void } | undefined

  constructor(relabeler: Pick<Relabeler, 'process'>, options: RelabelCacheOptions) {
    if (!Number.isSafeInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RelabelConfigError(
        undefined,
        `relabel cache maxEntries must be a positive integer, got ${options.maxEntries}`,
      )
    }
    this.#relabeler = relabeler
    this.#maxEntries = options.maxEntries
    this.#entries = new Map()
    this.#evictions = 0
    const registry = options.registry
    const component = options.component ?? 'default'
    this.#evictionCounter = registry === undefined ? undefined : evictionCounter(registry).labels(component)
    this.#entriesGauge = registry === undefined ? undefined : entriesGauge(registry).labels(component)
    this.#entriesGauge?.set(0)
  }

  /** Same result as the Relabeler's `process`, from the cache when this label set was seen recently. */
  process(labels: readonly Label[]): Label[] | null {
    const key = cacheKey(labels)
    const entries = this.#entries
    const hit = entries.get(key)
    if (hit !== undefined) {
      hit.referenced = true
      return hit.result as Label[] | null
    }
    const result = this.#relabeler.process(labels)
    // An unchanged result is the caller's own array, which it may reuse; keep a copy instead.
    const stored = result === null ? null : Object.freeze(result === labels ? result.slice() : result)
    entries.set(key, new Entry(stored))
    if (entries.size > this.#maxEntries) this.#evictOne()
    else this.#entriesGauge?.set(entries.size)
    return stored as Label[] | null
  }

  /** Second chance: each pass either evicts or clears a bit, so it ends within size + 1 steps. */
  #evictOne(): void {
    const entries = this.#entries
    for (;;) {
      const [key, entry] = entries.entries().next().value!
      entries.delete(key)
      if (!entry.referenced) break
      entry.referenced = false
      entries.set(key, entry)
    }
    this.#evictions++
    this.#evictionCounter?.inc()
  }

  /** Number of cached label sets. */
  get size(): number {
    return this.#entries.size
  }

  /** Number of entries evicted to keep the bound. */
  get evictions(): number {
    return this.#evictions
  }
}

/** U+00FF separates fields; it is legal in JS strings, unlike byte 0xFF in Go's UTF-8 strings. */
const SEP = '\xff'

/**
 * An injective key for a label set. Usually the fields joined by U+00FF; when a field contains U+00FF
 * itself (or the first name is empty) that would be ambiguous, so the key is instead U+00FF followed by
 * length-prefixed fields. Keys of the first form never start with U+00FF, so the two cannot collide.
 */
export function cacheKey(labels: readonly Label[]): string {
  let key = ''
  for (let i = 0; i < labels.length; i++) {
    const { name, value } = labels[i]!
    if (name.includes(SEP) || value.includes(SEP) || name === '') return lengthPrefixedKey(labels)
    key += name + SEP + value + SEP
  }
  return key
}

function lengthPrefixedKey(labels: readonly Label[]): string {
  let key = SEP
  for (const { name, value } of labels) key += `${name.length}:${name}${value.length}:${value}`
  return key
}

/** Reuses the metric when another cache registered it in the same registry already. */
function evictionCounter(registry: Registry): Counter<'component'> {
  const existing = registry.getSingleMetric(EVICTIONS)
  if (existing !== undefined) return existing as Counter<'component'>
  return new Counter({
    name: EVICTIONS,
    help: 'Relabel results evicted from the bounded relabel cache.',
    labelNames: ['component'],
    registers: [registry],
  })
}

function entriesGauge(registry: Registry): Gauge<'component'> {
  const existing = registry.getSingleMetric(ENTRIES)
  if (existing !== undefined) return existing as Gauge<'component'>
  return new Gauge({
    name: ENTRIES,
    help: 'Label sets currently held in the relabel cache.',
    labelNames: ['component'],
    registers: [registry],
  })
}
