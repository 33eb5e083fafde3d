/** Character classes shared by the scanner, the quoting helpers and identifier checks. */

const LETTER = /^\p{L}$/u
const DIGIT = /^\p{Nd}$/u
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/** Identifier start: ASCII letters, `_`, or any Unicode letter (Go's unicode.IsLetter). */
export function isLetter(ch: number): boolean {
  if (ch < 0x80) return (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || ch === 0x5f
  return LETTER.test(String.fromCodePoint(ch))
}

/** Identifier continuation digits: ASCII digits or any Unicode decimal digit (Go's unicode.IsDigit). */
export function isDigit(ch: number): boolean {
  if (ch < 0x80) return ch >= 0x30 && ch <= 0x39
  return DIGIT.test(String.fromCodePoint(ch))
}

/** ASCII 0-9 only: numbers are ASCII. */
export function isDecimal(ch: number): boolean {
  return ch >= 0x30 && ch <= 0x39
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(ch: number): boolean {
  if (ch >= 0xd800 && ch <= 0xdfff) return false
  return PRINTABLE.test(String.fromCodePoint(ch))
}

/** Go's `%#U` verb: `U+0067 'g'`, or just `U+000A` for unprintable characters. */
export function formatCodePoint(ch: number): string {
  const hex = `U+${ch.toString(16).toUpperCase().padStart(4, '0')}`
  return isPrint(ch) ? `${hex} '${String.fromCodePoint(ch)}'` : hex
}
