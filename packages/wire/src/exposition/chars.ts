/** Character codes the parsers branch on, and the name classes of both formats. */

export const LF = 0x0a
export const TAB = 0x09
export const SPACE = 0x20
export const DQUOTE = 0x22
export const HASH = 0x23
export const PLUS = 0x2b
export const COMMA = 0x2c
export const MINUS = 0x2d
export const DOT = 0x2e
export const COLON = 0x3a
export const EQUALS = 0x3d
export const BACKSLASH = 0x5c
export const UNDERSCORE = 0x5f
export const LBRACE = 0x7b
export const RBRACE = 0x7d
export const LOWER_N = 0x6e
/** U+FFFD: what a UTF-8 decoder puts in place of invalid bytes. */
export const REPLACEMENT_CHAR = 0xfffd

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

export function isAlpha(c: number): boolean {
  const lower = c | 0x20
  return lower >= 0x61 && lower <= 0x7a
}

/** `[a-zA-Z_]`: the first character of a label name. */
export function isLabelNameStart(c: number): boolean {
  return isAlpha(c) || c === UNDERSCORE
}

/** `[a-zA-Z0-9_]` */
export function isLabelNameChar(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === UNDERSCORE
}

/** `[a-zA-Z_:]`: the first character of a metric name. */
export function isMetricNameStart(c: number): boolean {
  return isAlpha(c) || c === UNDERSCORE || c === COLON
}

/** `[a-zA-Z0-9_:]` */
export function isMetricNameChar(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === UNDERSCORE || c === COLON
}

/** Space or tab: the separators of the text format (OpenMetrics allows a single space only). */
export function isBlank(c: number): boolean {
  return c === SPACE || c === TAB
}

/** True for a UTF-16 surrogate half, which a well-formed string only holds in high+low pairs. */
export function isSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdfff
}

/** True when `c` (a high surrogate at `i`) is followed by a low surrogate. */
export function isPairedSurrogate(src: string, i: number, c: number): boolean {
  if (c > 0xdbff) return false
  const next = src.charCodeAt(i + 1)
  return next >= 0xdc00 && next <= 0xdfff
}

/**
 * UTF-8 byte length of `s`, computed only as far as needed to compare with `max`: UTF-8 never takes
 * fewer bytes than UTF-16 code units, nor more than three per unit, so most strings are decided
 * from `s.length` alone.
 */
export function utf8LengthExceeds(s: string, max: number): number | undefined {
  if (s.length > max) return Buffer.byteLength(s, 'utf8')
  if (s.length * 3 <= max) return undefined
  const bytes = Buffer.byteLength(s, 'utf8')
  return bytes > max ? bytes : undefined
}
