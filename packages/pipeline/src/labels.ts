import { type Label, sortLabels } from '@sluice/contracts'

/** True when both label sets hold the same labels in the same order. */
export function sameLabels(a: readonly Label[], b: readonly Label[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    if (x.name !== y.name || x.value !== y.value) return false
  }
  return true
}

/**
 * `labels` with every external label whose name it lacks, sorted by name. A label the series already
 * has wins over an external label of the same name, as in Prometheus's remote write. Returns `labels`
 * itself when nothing is added, so callers can tell "unchanged" by identity.
 */
export function withExternalLabels(labels: Label[], external: readonly Label[]): Label[] {
  let out: Label[] | null = null
  for (let e = 0; e < external.length; e++) {
    const ext = external[e]!
    let present = false
    for (let i = 0; i < labels.length; i++) {
      if (labels[i]!.name === ext.name) {
        present = true
        break
      }
    }
    if (present) continue
    out ??= labels.slice()
    out.push(ext)
  }
  if (out === null) return labels
  // Label names are ASCII in practice, where UTF-16 order equals the byte order Prometheus sorts by.
  sortLabels(out)
  return out
}
