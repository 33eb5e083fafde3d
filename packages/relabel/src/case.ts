/**
 * Go's `strings.ToLower`/`ToUpper` map each code point through Unicode's simple (1:1) case mapping.
 * JS's `toLowerCase`/`toUpperCase` use the full mapping, which differs for a few code points: `İ`
 * lowercases to two code points, `ß` uppercases to `SS`, Greek letters with ypogegrammeni expand, and
 * final sigma depends on context. Those are mapped here per code point as Go does; ASCII takes a fast path.
 */

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

/** Simple uppercase for code points whose full uppercase is several code points. */
function simpleUpperOfExpanding(cp: number): number {
  // Greek with ypogegrammeni: the simple mapping is the titlecase form (Go's CaseRanges).
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) {
    return cp + 8
  }
  if (cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) return cp + 9
  return cp
}

function mapEach(s: string, lower: boolean): string {
  let out = ''
  for (const ch of s) {
    const mapped = lower ? ch.toLowerCase() : ch.toUpperCase()
    if (mapped.length === ch.length || [...mapped].length === 1) {
      out += mapped
    } else {
      const cp = ch.codePointAt(0)!
      // U+0130 (İ) is the only code point whose full lowercase differs from its simple one.
      out += String.fromCodePoint(lower ? (cp === 0x130 ? 0x69 : cp) : simpleUpperOfExpanding(cp))
    }
  }
  return out
}

/** Lowercases as Go's `strings.ToLower` does. */
export function goToLower(s: string): string {
  return isAscii(s) ? s.toLowerCase() : mapEach(s, true)
}

/** Uppercases as Go's `strings.ToUpper` does. */
export function goToUpper(s: string): string {
  return isAscii(s) ? s.toUpperCase() : mapEach(s, false)
}
