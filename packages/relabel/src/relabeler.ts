import type { Label } from '@sluice/contracts'
import { LabelBuilder } from './builder.ts'
import { goToLower, goToUpper } from './case.ts'
import { RelabelConfigError } from './errors.ts'
import { hashmodBig } from './hashmod.ts'
import { isValidLabelName } from './names.ts'
import { A, type CompiledRule, type CompileOptions, compileRule, type RelabelRule } from './rules.ts'

const EMPTY: readonly Label[] = []

/** Applies compiled relabel rules to label sets. Build one with `compileRules`. */
export class Relabeler {
  readonly #rules: readonly CompiledRule[]
  /** Reused across calls: `process` is synchronous, so one builder is never shared by two calls. */
  readonly #builder: LabelBuilder

  constructor(rules: readonly CompiledRule[]) {
    this.#rules = rules
    this.#builder = new LabelBuilder()
  }

  /** Number of rules. */
  get ruleCount(): number {
    return this.#rules.length
  }

  /**
   * Applies the rules in order. Returns the new label set sorted by name, or null when a rule dropped
   * the series. When no rule changed anything the input array itself is returned. The input must be a
   * label set (sorted by name, names unique). A result without `__name__` is still returned: deciding
   * what to do with it is the caller's business. Labels starting with `__` are kept; see
   * `dropInternalLabels`.
   */
  process(labels: readonly Label[]): Label[] | null {
    const b = this.#builder
    b.reset(labels)
    for (const rule of this.#rules) {
      if (!apply(rule, b)) {
        b.reset(EMPTY)
        return null
      }
    }
    const out = b.labels()
    b.reset(EMPTY)
    return out
  }
}

/**
 * Validates and compiles rules once. Throws RelabelConfigError (code SLUICE_ERR_RELABEL_CONFIG, status
 * 400) naming the first invalid rule's index and the reason.
 */
export function compileRules(rules: readonly RelabelRule[], options: CompileOptions = {}): Relabeler {
  const names = options.nameValidation ?? 'legacy'
  return new Relabeler(rules.map((rule, index) => compileRule(rule, index, names)))
}

function sourceValue(rule: CompiledRule, b: LabelBuilder): string {
  const sources = rule.sourceLabels
  if (sources.length === 0) return ''
  let value = b.get(sources[0]!)
  for (let i = 1; i < sources.length; i++) value += rule.separator + b.get(sources[i]!)
  return value
}

/** One rule, as Prometheus's `relabel` function does it. Returns false when the series is dropped. */
function apply(rule: CompiledRule, b: LabelBuilder): boolean {
  switch (rule.action) {
    case A.replace:
      replace(rule, b, sourceValue(rule, b))
      return true
    case A.keep:
      return rule.regex.test(sourceValue(rule, b))
    case A.drop:
      return !rule.regex.test(sourceValue(rule, b))
    case A.keepequal:
      return b.get(rule.target) === sourceValue(rule, b)
    case A.dropequal:
      return b.get(rule.target) !== sourceValue(rule, b)
    case A.hashmod:
      b.set(rule.target, String(hashmodBig(sourceValue(rule, b), rule.modulus)))
      return true
    case A.lowercase:
      b.set(rule.target, goToLower(sourceValue(rule, b)))
      return true
    case A.uppercase:
      b.set(rule.target, goToUpper(sourceValue(rule, b)))
      return true
    case A.labelmap:
      b.range((name, value) => {
        const match = rule.regex.exec(name)
        if (match === null) return
        // The regex is anchored, so Go's ReplaceAllString makes exactly one replacement: the expansion.
        const mapped = rule.replacement.expand(match)
        // Prometheus would set a label with an empty name here; no backend accepts one, so skip it.
        if (mapped !== '') b.set(mapped, value)
      })
      return true
    case A.labeldrop:
      b.range((name) => {
        if (rule.regex.test(name)) b.del(name)
      })
      return true
    case A.labelkeep:
      b.range((name) => {
        if (!rule.regex.test(name)) b.del(name)
      })
      return true
    default:
      return unreachable(rule.action)
  }
}

function unreachable(action: never): never {
  throw new RelabelConfigError(undefined, `unknown relabel action code ${String(action)}`)
}

function replace(rule: CompiledRule, b: LabelBuilder, value: string): void {
  // `(.*)` under (?s) matches anything with group 1 = the whole value; skip the regex engine.
  const match = rule.regexIsDefault ? [value, value] : rule.regex.exec(value)
  if (match === null) return
  let target = rule.target
  if (rule.targetTemplate !== undefined) {
    target = rule.targetTemplate.expand(match)
    if (!isValidLabelName(target, rule.nameValidation)) return
  }
  const result = rule.replacement.expand(match)
  if (result === '') b.del(target)
  else b.set(target, result)
}
