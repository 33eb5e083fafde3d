import { DOT, isAlpha, isDigit, MINUS, PLUS } from './chars.ts'

/** Integers up to 15 digits are exact in a double, so they are summed without a string. */
const MAX_FAST_DIGITS = 15

/**
 * Parses the float in `src[start, end)`, or returns undefined when it is malformed. The grammar is
 * the one both formats share: `[+-]` then digits with an optional fraction and exponent (`1`, `1.`,
 * `.5`, `1.5e-3`), or `Inf` / `Infinity` with an optional sign, or `NaN`, case-insensitively (Go's
 * `strconv.ParseFloat` spellings, which Prometheus uses; hex floats and `_` are not accepted, as
 * Prometheus refuses them). A finite literal that overflows a double is malformed, as in Go.
 */
export function parseFloatToken(src: string, start: number, end: number): number | undefined {
  let i = start
  if (i >= end) return undefined
  let c = src.charCodeAt(i)
  let signed = false
  let negative = false
  if (c === PLUS || c === MINUS) {
    signed = true
    negative = c === MINUS
    i++
    if (i >= end) return undefined
    c = src.charCodeAt(i)
  }
  if (isAlpha(c)) return parseSpecial(src, i, end, signed, negative)

  let integer = 0
  let intDigits = 0
  for (; i < end; i++) {
    c = src.charCodeAt(i)
    if (!isDigit(c)) break
    integer = integer * 10 + (c - 0x30)
    intDigits++
  }
  if (i === end) {
    if (intDigits === 0) return undefined
    if (intDigits <= MAX_FAST_DIGITS) return negative ? -integer : integer
    return Number(src.slice(start, end))
  }
  let fracDigits = 0
  if (c === DOT) {
    i++
    while (i < end && isDigit(src.charCodeAt(i))) {
      fracDigits++
      i++
    }
  }
  if (intDigits === 0 && fracDigits === 0) return undefined
  if (i < end && (src.charCodeAt(i) | 0x20) === 0x65) {
    i++
    if (i < end && (src.charCodeAt(i) === PLUS || src.charCodeAt(i) === MINUS)) i++
    const expStart = i
    while (i < end && isDigit(src.charCodeAt(i))) i++
    if (i === expStart) return undefined
  }
  if (i !== end) return undefined
  // The grammar above is a subset of JavaScript's StrDecimalLiteral, so Number() reads it exactly.
  const value = Number(src.slice(start, end))
  return Number.isFinite(value) ? value : undefined
}

function parseSpecial(
  src: string,
  i: number,
  end: number,
  signed: boolean,
  negative: boolean,
): number | undefined {
  const len = end - i
  if ((len === 3 || len === 8) && matchesIgnoreCase(src, i, end, 'infinity')) {
    return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
  }
  if (!signed && len === 3 && matchesIgnoreCase(src, i, end, 'nan')) return Number.NaN
  return undefined
}

/** True when `src[i, end)` equals the prefix of the lower-case ASCII `word` of the same length. */
function matchesIgnoreCase(src: string, i: number, end: number, word: string): boolean {
  for (let k = 0; i + k < end; k++) {
    if ((src.charCodeAt(i + k) | 0x20) !== word.charCodeAt(k)) return false
  }
  return true
}

/**
 * Parses the decimal integer in `src[start, end)` (the text format's millisecond timestamp), with an
 * optional sign: the format's own documentation shows a negative timestamp, and Go's
 * `strconv.ParseInt` (the reference parser's) takes either sign. Anything else is undefined.
 */
export function parseIntegerToken(src: string, start: number, end: number): number | undefined {
  let i = start
  const sign = src.charCodeAt(i)
  if (sign === PLUS || sign === MINUS) i++
  if (i >= end) return undefined
  const digitsStart = i
  let value = 0
  for (; i < end; i++) {
    const c = src.charCodeAt(i)
    if (!isDigit(c)) return undefined
    value = value * 10 + (c - 0x30)
  }
  if (end - digitsStart > MAX_FAST_DIGITS) value = Number(src.slice(digitsStart, end))
  return sign === MINUS ? -value : value
}
