import { isSluiceError } from '@sluice/contracts'
import { RelabelConfigError } from './errors.ts'
import { isValidLabelName, isValidTemplatedName, type NameValidation } from './names.ts'
import { type CompiledRe2, compileRe2 } from './re2/translate.ts'
import { compileTemplate, type Template } from './template.ts'

/** The relabel actions Prometheus and Alloy know. */
export type RelabelAction =
  | 'replace'
  | 'keep'
  | 'drop'
  | 'keepequal'
  | 'dropequal'
  | 'hashmod'
  | 'labelmap'
  | 'labeldrop'
  | 'labelkeep'
  | 'lowercase'
  | 'uppercase'

/** A rule as written in Alloy's `rule` block / Prometheus's relabel_config (Alloy attribute names). */
export interface RelabelRule {
  source_labels?: string[]
  separator?: string
  regex?: string
  modulus?: number
  target_label?: string
  replacement?: string
  action?: RelabelAction
}

/** Options for `compileRules`. */
export interface CompileOptions {
  /**
   * Which label names rules may write (default `legacy`, as Alloy's `prometheus.relabel` does at run
   * time). `utf8` follows Prometheus 3 with `metric_name_validation_scheme: utf8`.
   */
  nameValidation?: NameValidation
}

/** Prometheus's defaults for a rule's attributes. */
export const DEFAULTS = { separator: ';', regex: '(.*)', replacement: '$1', action: 'replace' } as const

const ACTIONS: ReadonlySet<string> = new Set<RelabelAction>([
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
])

const ATTRIBUTES: ReadonlySet<string> = new Set([
  'source_labels',
  'separator',
  'regex',
  'modulus',
  'target_label',
  'replacement',
  'action',
])

/** Actions that write `target_label` and so require it. */
const NEEDS_TARGET: ReadonlySet<string> = new Set([
  'replace',
  'hashmod',
  'lowercase',
  'uppercase',
  'keepequal',
  'dropequal',
])
/** Actions whose `target_label` is a plain label name and that take no `replacement`. */
const PLAIN_TARGET_NO_REPLACEMENT: ReadonlySet<string> = new Set([
  'lowercase',
  'uppercase',
  'keepequal',
  'dropequal',
])

/** Action codes for the hot-path switch. */
export const A = {
  replace: 0,
  keep: 1,
  drop: 2,
  keepequal: 3,
  dropequal: 4,
  hashmod: 5,
  labelmap: 6,
  labeldrop: 7,
  labelkeep: 8,
  lowercase: 9,
  uppercase: 10,
} as const satisfies Record<RelabelAction, number>

/** An action code. */
export type ActionCode = (typeof A)[RelabelAction]

/** A validated rule with its regex and templates compiled; one shape for every action. */
export class CompiledRule {
  readonly action: ActionCode
  readonly sourceLabels: readonly string[]
  readonly separator: string
  readonly regex: RegExp
  /** True for the default `(.*)`, which matches any value with group 1 = the value. */
  readonly regexIsDefault: boolean
  /** The target label when it holds no `$` reference, else undefined (see targetTemplate). */
  readonly target: string
  readonly targetTemplate: Template | undefined
  readonly replacement: Template
  readonly modulus: bigint
  readonly nameValidation: NameValidation

  constructor(rule: Required<RelabelRule>, compiled: CompiledRe2, nameValidation: NameValidation) {
    this.action = A[rule.action]
    this.sourceLabels = rule.source_labels.slice()
    this.separator = rule.separator
    this.regex = compiled.regexp
    this.regexIsDefault = rule.regex === DEFAULTS.regex
    this.target = rule.target_label
    this.targetTemplate =
      rule.action === 'replace' && rule.target_label.includes('$')
        ? compileTemplate(rule.target_label, compiled.groupNames)
        : undefined
    this.replacement = compileTemplate(rule.replacement, compiled.groupNames)
    this.modulus = BigInt(rule.modulus)
    this.nameValidation = nameValidation
  }
}

function checkTypes(rule: RelabelRule): string | undefined {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return 'a rule must be an object'
  for (const key of Object.keys(rule)) {
    if (!ATTRIBUTES.has(key)) return `unknown attribute ${JSON.stringify(key)}`
  }
  const sources = rule.source_labels
  if (sources !== undefined && (!Array.isArray(sources) || sources.some((s) => typeof s !== 'string'))) {
    return "'source_labels' must be a list of strings"
  }
  for (const key of ['separator', 'regex', 'target_label', 'replacement'] as const) {
    if (rule[key] !== undefined && typeof rule[key] !== 'string') return `'${key}' must be a string`
  }
  const modulus = rule.modulus
  if (modulus !== undefined && (!Number.isSafeInteger(modulus) || modulus < 0)) {
    return `'modulus' must be a non-negative integer below 2^53, got ${modulus}`
  }
  if (rule.action !== undefined && !ACTIONS.has(rule.action)) {
    return `unrecognized action type ${JSON.stringify(rule.action)}`
  }
  return undefined
}

/**
 * Prometheus's `Config.Validate`, check for check and in the same order, with Alloy's wording where the
 * two differ. Returns the reason a rule is invalid, or undefined.
 */
function checkSemantics(
  rule: RelabelRule,
  r: Required<RelabelRule>,
  names: NameValidation,
): string | undefined {
  const action = r.action
  const target = r.target_label
  const quotedTarget = JSON.stringify(target)
  if (action === 'hashmod' && r.modulus === 0) {
    return 'relabel configuration for hashmod requires non-zero modulus'
  }
  if (NEEDS_TARGET.has(action) && target === '') {
    return `relabel configuration for ${action} action requires 'target_label' value`
  }
  const templatedOk = (s: string): boolean =>
    names === 'utf8' ? isValidLabelName(s, 'utf8') : isValidTemplatedName(s)
  if (action === 'replace') {
    const ok = target.includes('$') ? templatedOk(target) : isValidLabelName(target, names)
    if (!ok) return `${quotedTarget} is invalid 'target_label' for ${action} action`
  }
  if (PLAIN_TARGET_NO_REPLACEMENT.has(action)) {
    if (!isValidLabelName(target, names))
      return `${quotedTarget} is invalid 'target_label' for ${action} action`
    if (r.replacement !== DEFAULTS.replacement) return `'replacement' can not be set for ${action} action`
  }
  if (action === 'labelmap' && !templatedOk(r.replacement)) {
    return `${JSON.stringify(r.replacement)} is invalid 'replacement' for ${action} action`
  }
  if (action === 'hashmod' && !isValidLabelName(target, names)) {
    return `${quotedTarget} is invalid 'target_label' for ${action} action`
  }
  if (action === 'labeldrop' || action === 'labelkeep') {
    // Prometheus rejects source_labels when present at all, even as an empty list.
    if (
      rule.source_labels !== undefined ||
      target !== '' ||
      r.modulus !== 0 ||
      r.separator !== DEFAULTS.separator ||
      r.replacement !== DEFAULTS.replacement
    ) {
      return `${action} action requires only 'regex', and no other fields`
    }
  }
  if (action === 'keepequal' || action === 'dropequal') {
    if (
      r.regex !== DEFAULTS.regex ||
      r.modulus !== 0 ||
      r.separator !== DEFAULTS.separator ||
      r.replacement !== DEFAULTS.replacement
    ) {
      return `${action} action requires only 'source_labels' and 'target_label', and no other fields`
    }
  }
  return undefined
}

/** Validates one rule and compiles it; throws RelabelConfigError naming `index`. */
export function compileRule(rule: RelabelRule, index: number, names: NameValidation): CompiledRule {
  const typeError = checkTypes(rule)
  if (typeError !== undefined) throw new RelabelConfigError(index, typeError)
  const r: Required<RelabelRule> = {
    source_labels: rule.source_labels ?? [],
    separator: rule.separator ?? DEFAULTS.separator,
    regex: rule.regex ?? DEFAULTS.regex,
    modulus: rule.modulus ?? 0,
    target_label: rule.target_label ?? '',
    replacement: rule.replacement ?? DEFAULTS.replacement,
    action: rule.action ?? DEFAULTS.action,
  }
  // Alloy decodes (and so compiles) the regex before it validates the rule, so regex errors come first.
  let compiled: CompiledRe2
  try {
    compiled = compileRe2(r.regex, { dotAll: true })
  } catch (err) {
    if (!isSluiceError(err)) throw err
    throw new RelabelConfigError(index, `invalid 'regex' ${JSON.stringify(r.regex)}: ${err.message}`, {
      cause: err,
    })
  }
  const reason = checkSemantics(rule, r, names)
  if (reason !== undefined) throw new RelabelConfigError(index, reason)
  return new CompiledRule(r, compiled, names)
}
