import { HI, hashFinish, hashLabel, hashOut, hashReset, LO, swapLanes } from './hash.ts'

/**
 * A set of label names whose labels make a series' *key*: the series hash (see `hashLabels`) of only
 * those of its labels, in the order the series has them. Series that agree on those labels share a
 * key whatever their other labels are, so a cluster that owns series by key sends every series of one
 * edge (one `external_labels` value) to one member. A series with none of the labels has the key of
 * the empty label set. For a series with sorted labels (as remote-write requires) the key equals
 * `hashLabels` of the subset. The splitter computes keys as it walks (`SplitOptions.keyLabels`).
 */
export class LabelKey {
  /** The names, as UTF-8, without repeats. */
  readonly names: readonly Uint8Array[]
  /**
   * 1 at the byte lengths (below 256) of the names: most labels are turned away by their name's length
   * alone, which the splitter looks up inline before it calls {@link LabelKey.has}.
   */
  readonly lengths = new Uint8Array(256)

  constructor(names: readonly string[]) {
    const encoder = new TextEncoder()
    this.names = [...new Set(names)].map((n) => encoder.encode(n))
    for (const name of this.names) if (name.length < 256) this.lengths[name.length] = 1
  }

  /** Whether `buf[start, end)` is one of the names. */
  has(buf: Uint8Array, start: number, end: number): boolean {
    const length = end - start
    if (length < 256 && this.lengths[length] === 0) return false
    const names = this.names
    for (let n = 0; n < names.length; n++) {
      const name = names[n]!
      if (name.length !== length) continue
      let j = 0
      while (j < length && buf[start + j] === name[j]) j++
      if (j === length) return true
    }
    return false
  }
}

/**
 * The key hash of the series being walked, on the function of hash.ts, run beside the splitter's series
 * hash: that one keeps hash.ts's running lanes, and each key label is fed by swapping this hash's lanes
 * in and out around it (key labels are one or two of a series' labels, so the swaps cost little).
 */
export class KeyHash {
  readonly #lanes = new Int32Array(2)

  reset(): void {
    swapLanes(this.#lanes)
    hashReset()
    swapLanes(this.#lanes)
  }

  label(
    buf: Uint8Array,
    view: DataView,
    nameStart: number,
    nameEnd: number,
    valueStart: number,
    valueEnd: number,
  ): void {
    swapLanes(this.#lanes)
    hashLabel(buf, view, nameStart, nameEnd, valueStart, valueEnd)
    swapLanes(this.#lanes)
  }

  /** Ends the key hash into `hi[i]`, `lo[i]`, leaving the series hash's lanes and result as they were. */
  finish(hi: Uint32Array, lo: Uint32Array, i: number): void {
    const outHi = hashOut[HI]!
    const outLo = hashOut[LO]!
    swapLanes(this.#lanes)
    hashFinish()
    swapLanes(this.#lanes)
    hi[i] = hashOut[HI]!
    lo[i] = hashOut[LO]!
    hashOut[HI] = outHi
    hashOut[LO] = outLo
  }
}
