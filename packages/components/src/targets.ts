import { type Label, SluiceError, sortLabels } from '@sluice/contracts'
import type { Target } from '@sluice/scrape'

/** Alloy's target lists are lists of string maps; Sluice's scrape engine takes sorted label sets. */
export function targetsFromValue(component: string, value: unknown): Target[] {
  if (!Array.isArray(value))
    throw new SluiceError('SLUICE_ERR_CONFIG', `${component}: targets must be a list of objects`, {
      status: 400,
    })
  return value.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new SluiceError('SLUICE_ERR_CONFIG', `${component}: targets[${i}] must be an object of strings`, {
        status: 400,
      })
    }
    const labels: Label[] = []
    for (const [name, v] of Object.entries(item as Record<string, unknown>)) {
      if (typeof v !== 'string')
        throw new SluiceError('SLUICE_ERR_CONFIG', `${component}: targets[${i}].${name} must be a string`, {
          status: 400,
        })
      labels.push({ name, value: v })
    }
    sortLabels(labels)
    return { labels }
  })
}

/** The form components export targets in: a list of string maps, as Alloy's discovery components do. */
export function targetsToValue(targets: readonly Target[]): Record<string, string>[] {
  return targets.map((t) => Object.fromEntries(t.labels.map((l) => [l.name, l.value])))
}
