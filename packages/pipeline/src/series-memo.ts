/** Where one series goes once the plan has run on it. */
export class MemoTarget {
  /** Index of the destination (sink or main receiver) in the plan's destination list. */
  readonly dest: number
  readonly shard: number
  /** The series' new `labels = 1` fields, or null when it leaves with the labels it came with. */
  readonly labelFields: Uint8Array | null

  constructor(dest: number, shard: number, labelFields: Uint8Array | null) {
    this.dest = dest
    this.shard = shard
    this.labelFields = labelFields
  }
}

/** What one plan does to one label set: where it goes, how it is rewritten, how often it is dropped. */
export class MemoEntry {
  readonly hashHi: number
  /** A copy of the label fields as received: a hit must match them byte for byte. */
  readonly labelBytes: Uint8Array
  readonly dropped: number
  readonly targets: MemoTarget[]

  constructor(hashHi: number, labelBytes: Uint8Array, dropped: number, targets: MemoTarget[]) {
    this.hashHi = hashHi
    this.labelBytes = labelBytes
    this.dropped = dropped
    this.targets = targets
  }
}

const TWO_32 = 0x1_0000_0000

/**
 * The outcome of one plan per received label set, keyed by the splitter's 64-bit label hash. The same
 * series arrive push after push (once per scrape interval), so a hit skips decoding labels, running the
 * rules, encoding labels and hashing: the series is re-emitted from its bytes and the remembered label
 * fields. A hit is only taken when the label bytes match exactly, so a hash collision costs a miss,
 * never a wrong result.
 *
 * Bounded by two generations: entries go into the young map; when it holds half the bound it becomes
 * the old map and the previous old map is dropped. Hits in the old map move to the young one, so
 * series still being sent survive and at most `maxEntries` entries are held.
 */
export class SeriesMemo {
  readonly #half: number
  #young = new Map<number, MemoEntry>()
  #old = new Map<number, MemoEntry>()

  constructor(maxEntries: number) {
    this.#half = Math.max(1, maxEntries >>> 1)
  }

  /** The entry for the label fields `buf[start, end)` with hash `hi:lo`, if remembered. */
  get(hi: number, lo: number, buf: Uint8Array, start: number, end: number): MemoEntry | undefined {
    // 21 bits of hi and all of lo: a key that stays an exact double. The rest is checked below.
    const key = (hi & 0x1fffff) * TWO_32 + lo
    let entry = this.#young.get(key)
    if (entry === undefined) {
      entry = this.#old.get(key)
      if (entry === undefined || !matches(entry, hi, buf, start, end)) return undefined
      this.#old.delete(key)
      this.#insert(key, entry)
      return entry
    }
    return matches(entry, hi, buf, start, end) ? entry : undefined
  }

  set(hi: number, lo: number, entry: MemoEntry): void {
    this.#insert((hi & 0x1fffff) * TWO_32 + lo, entry)
  }

  /** Entries held. */
  get size(): number {
    return this.#young.size + this.#old.size
  }

  #insert(key: number, entry: MemoEntry): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#young
      this.#young = new Map()
    }
    this.#young.set(key, entry)
  }
}

function matches(entry: MemoEntry, hi: number, buf: Uint8Array, start: number, end: number): boolean {
  const bytes = entry.labelBytes
  if (entry.hashHi !== hi || bytes.length !== end - start) return false
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== buf[start + i]) return false
  return true
}
