import type { Label } from '@sluice/contracts'
import { compileRules, RelabelCache, type RelabelRule } from '@sluice/relabel'

/** What a stage needs from relabelling: a label set in, a label set or `null` (dropped) out. */
export interface LabelProcessor {
  process(labels: Label[]): Label[] | null
}

/** Default bound of the per-stage result cache of a sink's `write_relabel` rules (no config knob). */
export const WRITE_RELABEL_CACHE_SIZE = 10_000

/**
 * The compiled relabel rules of every stage a worker has run, each with its result cache, keyed by
 * the stage id and the rules' JSON. A stage whose rules did not change keeps its compiled rules and
 * its warm cache across pushes; changed rules get a new key and compile afresh. Least recently used
 * entries go first once `maxStages` is reached, so a worker's memory is bounded by
 * `maxStages x cacheSize` entries however often the configuration is reloaded.
 */
export class ProcessorCache {
  readonly #maxStages: number
  readonly #entries = new Map<string, LabelProcessor>()

  constructor(maxStages: number) {
    this.#maxStages = maxStages
  }

  /** The processor for `rules` of stage `id` (`kind` separates a sink's rules from a relabel stage's). */
  get(kind: string, id: string, rules: RelabelRule[], cacheSize: number): LabelProcessor {
    // The JSON itself is the key, not a digest of it: two different rule sets can never collide.
    const key = `${kind}\u0000${id}\u0000${cacheSize}\u0000${JSON.stringify(rules)}`
    const hit = this.#entries.get(key)
    if (hit !== undefined) {
      // Re-insert so that Map order is least recently used first.
      this.#entries.delete(key)
      this.#entries.set(key, hit)
      return hit
    }
    const processor = new RelabelCache(compileRules(rules), { maxEntries: cacheSize })
    if (this.#entries.size >= this.#maxStages) {
      this.#entries.delete(this.#entries.keys().next().value!)
    }
    this.#entries.set(key, processor)
    return processor
  }

  /** Number of stages held. */
  get size(): number {
    return this.#entries.size
  }
}
