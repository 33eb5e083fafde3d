import type { Label } from '@sluice/contracts'

/**
 * Removes every label whose name starts with `__`, except `__name__`. Prometheus does this only at the
 * end of target relabelling (so `__tmp_*`, `__meta_*`, `__address__` are usable inside the rules);
 * relabelling itself never does, so callers that forward series call this when they need it.
 * Returns the input array when there is nothing to remove.
 */
export function dropInternalLabels(labels: readonly Label[]): Label[] {
  let i = 0
  while (i < labels.length && !isInternal(labels[i]!.name)) i++
  if (i === labels.length) return labels as Label[]
  const out = labels.slice(0, i)
  for (i++; i < labels.length; i++) {
    const label = labels[i]!
    if (!isInternal(label.name)) out.push(label)
  }
  return out
}

function isInternal(name: string): boolean {
  return name.startsWith('__') && name !== '__name__'
}
