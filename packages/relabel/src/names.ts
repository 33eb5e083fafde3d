/**
 * Which label names relabelling may write. `legacy` is Prometheus's `[a-zA-Z_][a-zA-Z0-9_]*`, what Alloy's
 * `prometheus.relabel` applies at run time; `utf8` is Prometheus 3's scheme: any non-empty UTF-8 string.
 */
export type NameValidation = 'legacy' | 'utf8'

function isLegacyNameChar(c: number, first: boolean): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (!first && c >= 0x30 && c <= 0x39)
  )
}

/** True when `name` is a label name relabelling may set under `scheme` (legacy by default). */
export function isValidLabelName(name: string, scheme: NameValidation = 'legacy'): boolean {
  if (name.length === 0) return false
  if (scheme === 'utf8') return name.isWellFormed()
  for (let i = 0; i < name.length; i++) {
    if (!isLegacyNameChar(name.charCodeAt(i), i === 0)) return false
  }
  return true
}

function isWordChar(c: number): boolean {
  return isLegacyNameChar(c, false)
}

/**
 * Prometheus's check for a `target_label` (replace) or `replacement` (labelmap) that holds `$` variables
 * under legacy validation: name characters and `$name`/`${name}` references, not starting with a digit.
 * Prometheus states it as the regex `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`; this scanner accepts the
 * same language without the regex's exponential backtracking on long invalid input.
 */
export function isValidTemplatedName(s: string): boolean {
  if (s.length === 0) return false
  let i = 0
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (c === 0x24) {
      i++
      const braced = s.charCodeAt(i) === 0x7b
      if (braced) i++
      const from = i
      while (i < s.length && isWordChar(s.charCodeAt(i))) i++
      if (i === from) return false
      if (braced) {
        if (s.charCodeAt(i) !== 0x7d) return false
        i++
      }
    } else if (isLegacyNameChar(c, i === 0)) {
      i++
    } else {
      return false
    }
  }
  return true
}
