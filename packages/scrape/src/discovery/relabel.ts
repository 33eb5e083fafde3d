import type { Label } from '@sluice/contracts'
import type { Target } from '../config.ts'

/** What `discovery.relabel` needs from compiled rules (`compileRules` of `@sluice/relabel` provides it). */
export interface TargetRelabeler {
  /** The relabelled label set, or null when the rules drop it. */
  process(labels: Label[]): Label[] | null
}

/** Applies relabelling rules to each target's labels, dropping the targets the rules drop. */
export function relabelTargets(targets: readonly Target[], relabeler: TargetRelabeler): Target[] {
  const out: Target[] = []
  for (const t of targets) {
    const labels = relabeler.process(t.labels)
    if (labels !== null) out.push({ labels })
  }
  return out
}
