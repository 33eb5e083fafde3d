import { Capsule, type Schema } from '@sluice/config'
import { compileRules, type RelabelRule } from '@sluice/relabel'

/** The `rule` block of prometheus.relabel and discovery.relabel, with Alloy's defaults. */
export const RULE_SCHEMA: Schema = {
  attrs: {
    source_labels: { type: { array: 'string' } },
    separator: { type: 'string', default: ';' },
    regex: { type: 'string', default: '(.*)' },
    modulus: { type: 'number' },
    target_label: { type: 'string' },
    replacement: { type: 'string', default: '$1' },
    action: { type: 'string', default: 'replace' },
  },
}

export const RULES_TYPE = 'relabel.Rules'

/** Decoded rule blocks as relabel rules, checked by compiling them once (the worker compiles again). */
export function rulesOf(blocks: unknown): RelabelRule[] {
  const rules = ((blocks as Record<string, unknown>[] | undefined) ?? []).map((b) => {
    const rule: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(b)) if (v !== undefined && v !== null) rule[k] = v
    return rule as RelabelRule
  })
  compileRules(rules)
  return rules
}

export function rulesCapsule(rules: RelabelRule[]): Capsule {
  return new Capsule(RULES_TYPE, rules)
}
