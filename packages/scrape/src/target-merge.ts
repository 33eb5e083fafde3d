import { compareLabelNames, type Label, sortLabels } from '@sluice/contracts'
import type { ScrapeLabelLimitError } from './errors.ts'

/** The settings that decide what a scrape makes of an exposed label set. */
export interface LabelSettings {
  /** The target's public labels, sorted by name. */
  targetLabels: Label[]
  honorLabels: boolean
  /** 0 means no limit, as for the other limits. */
  labelLimit: number
  labelNameLengthLimit: number
  labelValueLengthLimit: number
}

const EXPORTED_PREFIX = 'exported_'

/**
 * Attaches the target's labels to an exposed label set (sorted, `__name__` included), as
 * Prometheus's scrape loop does: conflicting exposed labels become `exported_<name>` (or win, with
 * `honor_labels`), and empty label values are dropped. Returns a new array; `exposed` is not changed.
 */
export function attachTargetLabels(exposed: readonly Label[], settings: LabelSettings): Label[] {
  return settings.honorLabels
    ? mergeHonoring(exposed, settings.targetLabels)
    : mergeOverriding(exposed, settings.targetLabels)
}

/**
 * Why a label set breaks the label limits (the message of a {@link ScrapeLabelLimitError}, which
 * fails the whole scrape), or null when it keeps them.
 */
export function labelLimitProblem(labels: readonly Label[], settings: LabelSettings): string | null {
  if (settings.labelLimit > 0 && labels.length > settings.labelLimit) {
    return `label_limit exceeded (metric: ${metricName(labels)}, labels: ${labels.length}, limit: ${settings.labelLimit})`
  }
  const nameLimit = settings.labelNameLengthLimit
  const valueLimit = settings.labelValueLengthLimit
  if (nameLimit <= 0 && valueLimit <= 0) return null
  for (const l of labels) {
    if (nameLimit > 0 && utf8Exceeds(l.name, nameLimit)) {
      return `label_name_length_limit exceeded (metric: ${metricName(labels)}, label: ${l.name}, limit: ${nameLimit})`
    }
    if (valueLimit > 0 && utf8Exceeds(l.value, valueLimit)) {
      return `label_value_length_limit exceeded (metric: ${metricName(labels)}, label: ${l.name}, limit: ${valueLimit})`
    }
  }
  return null
}

/** honor_labels = true: exposed labels win; target labels fill in the names the target did not expose. */
function mergeHonoring(scraped: readonly Label[], target: readonly Label[]): Label[] {
  return mergeSorted(scraped, target, (exposed) => exposed)
}

/**
 * honor_labels = false: target labels win; an exposed label they displace is kept as
 * `exported_<name>` (with more prefixes while that name is taken too). Both inputs are sorted, so the
 * common case without conflicts is one merge pass.
 */
function mergeOverriding(scraped: readonly Label[], target: readonly Label[]): Label[] {
  let conflicts: Label[] | null = null
  const out = mergeSorted(scraped, target, (exposed, fromTarget) => {
    if (conflicts === null) conflicts = []
    conflicts.push(exposed)
    return fromTarget
  })
  return conflicts === null ? out : renameConflicts(out, conflicts)
}

/**
 * Merges two label sets sorted by name into one, leaving out exposed labels with an empty value;
 * `clash` picks the label kept when both have a name.
 */
function mergeSorted(
  scraped: readonly Label[],
  target: readonly Label[],
  clash: (exposed: Label, fromTarget: Label) => Label,
): Label[] {
  const out: Label[] = []
  let i = 0
  let j = 0
  while (i < scraped.length || j < target.length) {
    const a = scraped[i]
    const b = target[j]
    if (a !== undefined && a.value === '') {
      i++
      continue
    }
    const order = a === undefined ? 1 : b === undefined ? -1 : compareLabelNames(a.name, b.name)
    if (order < 0) {
      out.push(a!)
      i++
    } else if (order > 0) {
      out.push(b!)
      j++
    } else {
      out.push(clash(a!, b!))
      i++
      j++
    }
  }
  return out
}

function renameConflicts(labels: Label[], conflicts: Label[]): Label[] {
  const taken = new Set(labels.map((l) => l.name))
  // Shorter names first, as Prometheus resolves them, so `exported_exported_x` chains are deterministic.
  conflicts.sort((x, y) => x.name.length - y.name.length)
  for (const c of conflicts) {
    let name = c.name
    do name = EXPORTED_PREFIX + name
    while (taken.has(name))
    taken.add(name)
    labels.push({ name, value: c.value })
  }
  return sortLabels(labels)
}

function utf8Exceeds(s: string, limit: number): boolean {
  // UTF-8 takes at least one byte and at most three per UTF-16 unit; only the middle needs counting.
  if (s.length > limit) return true
  if (s.length * 3 <= limit) return false
  return Buffer.byteLength(s, 'utf8') > limit
}

function metricName(labels: readonly Label[]): string {
  return (labels.find((l) => l.name === '__name__')?.value ?? '').slice(0, 50)
}
