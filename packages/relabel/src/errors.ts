import { SluiceError } from '@sluice/contracts'

/**
 * A relabel rule (or cache option) that cannot be compiled. `ruleIndex` is the 0-based position of the
 * offending rule in the list given to `compileRules`, `reason` the message without that prefix.
 */
export class RelabelConfigError extends SluiceError {
  readonly ruleIndex: number | undefined
  readonly reason: string

  constructor(ruleIndex: number | undefined, reason: string, options: { cause?: unknown } = {}) {
    super(
      'SLUICE_ERR_RELABEL_CONFIG',
      ruleIndex === undefined ? reason : `relabel rule ${ruleIndex}: ${reason}`,
      { status: 400, cause: options.cause },
    )
    this.ruleIndex = ruleIndex
    this.reason = reason
  }
}

/**
 * An RE2 pattern that does not parse, or uses a construct RE2 does not have. The message follows Go's
 * `regexp/syntax` wording (`error parsing regexp: <what>: \`<where>\``) so that users see what Alloy or
 * Prometheus would have told them, sometimes with a hint appended.
 */
export class RegexSyntaxError extends SluiceError {
  /** Go's error text for the kind of failure, e.g. `invalid escape sequence`. */
  readonly kind: string
  /** The part of the pattern the error is about. */
  readonly expr: string

  constructor(kind: string, expr: string, hint?: string) {
    super(
      'SLUICE_ERR_REGEX_SYNTAX',
      `error parsing regexp: ${kind}: \`${expr}\`${hint === undefined ? '' : ` (${hint})`}`,
      { status: 400 },
    )
    this.kind = kind
    this.expr = expr
  }
}
