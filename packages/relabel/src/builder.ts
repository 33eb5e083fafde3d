import type { Label } from '@sluice/contracts'
import { compareLabelNames, sortLabels } from '@sluice/contracts'

/**
 * A label set under modification, with the semantics of Prometheus's `labels.Builder`: the base set is
 * never touched; `set` records an addition (an empty value deletes), `del` a deletion, an addition wins
 * over a deletion, and `range` visits a snapshot — unchanged base labels in order, then additions in the
 * order they were made. That visiting order decides which value wins when `labelmap` maps two labels to
 * one name, so it is kept exactly.
 *
 * One instance is reused across `process` calls (it is reset each time) to keep allocation down.
 */
export class LabelBuilder {
  base: readonly Label[]
  readonly addNames: string[]
  readonly addValues: string[]
  readonly deleted: string[]
  /** Set once any operation changed the label set; until then the base array is the result. */
  dirty: boolean

  constructor() {
    this.base = []
    this.addNames = []
    this.addValues = []
    this.deleted = []
    this.dirty = false
  }

  reset(base: readonly Label[]): void {
    this.base = base
    this.addNames.length = 0
    this.addValues.length = 0
    this.deleted.length = 0
    this.dirty = false
  }

  /** The current value of `name`, or undefined when absent. */
  lookup(name: string): string | undefined {
    const added = this.addNames.indexOf(name)
    if (added >= 0) return this.addValues[added]
    if (this.deleted.length > 0 && this.deleted.includes(name)) return undefined
    const base = this.base
    for (let i = 0; i < base.length; i++) if (base[i]!.name === name) return base[i]!.value
    return undefined
  }

  /** The current value of `name`; a missing label reads as `''`, as in Prometheus. */
  get(name: string): string {
    return this.lookup(name) ?? ''
  }

  set(name: string, value: string): void {
    if (value === '') {
      this.del(name)
      return
    }
    if (!this.dirty && this.lookup(name) !== value) this.dirty = true
    const added = this.addNames.indexOf(name)
    if (added >= 0) {
      this.addValues[added] = value
    } else {
      this.addNames.push(name)
      this.addValues.push(value)
    }
  }

  del(name: string): void {
    if (!this.dirty && this.lookup(name) !== undefined) this.dirty = true
    const added = this.addNames.indexOf(name)
    if (added >= 0) {
      this.addNames.splice(added, 1)
      this.addValues.splice(added, 1)
    }
    this.deleted.push(name)
  }

  /** Calls `fn` for every label of a snapshot taken now; `fn` may call `set` and `del`. */
  range(fn: (name: string, value: string) => void): void {
    const addNames = this.addNames.slice()
    const addValues = this.addValues.slice()
    const deleted = this.deleted.slice()
    for (const label of this.base) {
      if (addNames.includes(label.name) || deleted.includes(label.name)) continue
      fn(label.name, label.value)
    }
    for (let i = 0; i < addNames.length; i++) fn(addNames[i]!, addValues[i]!)
  }

  /** The resulting sorted label set; the base array itself when nothing changed. */
  labels(): Label[] {
    if (!this.dirty) return this.base as Label[]
    const kept: Label[] = []
    for (const label of this.base) {
      if (this.addNames.includes(label.name) || this.deleted.includes(label.name)) continue
      kept.push(label)
    }
    if (this.addNames.length === 0) return kept
    const added: Label[] = []
    for (let i = 0; i < this.addNames.length; i++)
      added.push({ name: this.addNames[i]!, value: this.addValues[i]! })
    // The base is sorted and additions are few: sort those and merge, rather than sort everything.
    return merge(kept, sortLabels(added))
  }
}

function merge(a: readonly Label[], b: readonly Label[]): Label[] {
  const out: Label[] = new Array(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) {
    out[k++] = compareLabelNames(a[i]!.name, b[j]!.name) < 0 ? a[i++]! : b[j++]!
  }
  while (i < a.length) out[k++] = a[i++]!
  while (j < b.length) out[k++] = b[j++]!
  return out
}
