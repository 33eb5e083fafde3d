/**
 * Replacement templates with Go's `Regexp.Expand` semantics, compiled once per rule.
 *
 * Go reads `$name` greedily over letters, digits and `_` (Unicode letters and decimal digits), so `$1x`
 * names the group `1x` (usually absent, hence empty) and `${1}x` is group 1 then `x`. A name made only
 * of digits is a group number (no leading zeros, below 1e8); `$$` is a literal `$`; a `$` that starts
 * no valid reference (`$`, `${`, `${}`, `$-`) stays literal. References to groups that do not exist, or
 * did not take part in the match, expand to the empty string.
 */

const NAME_CHAR = /[\p{L}\p{Nd}_]/u

/** A compiled template: literal strings and group numbers, in order. */
export class Template {
  /** Literal text (string) or a capture group number (number) to copy from the match. */
  readonly parts: readonly (string | number)[]
  /** The expansion when the template references no group, else undefined. */
  readonly constant: string | undefined

  constructor(parts: readonly (string | number)[]) {
    this.parts = parts
    const literalOnly = parts.every((p) => typeof p === 'string')
    this.constant = literalOnly ? parts.join('') : undefined
  }

  /** Expands against a match (`RegExpExecArray`-like: index = group number, undefined = unmatched). */
  expand(match: ArrayLike<string | undefined>): string {
    if (this.constant !== undefined) return this.constant
    let out = ''
    for (const part of this.parts) out += typeof part === 'string' ? part : (match[part] ?? '')
    return out
  }
}

interface Reference {
  readonly name: string
  readonly num: number
  readonly end: number
}

/** Reads a reference after a `$` at `i`, as Go's `extract` does; undefined when malformed. */
function extract(s: string, i: number): Reference | undefined {
  if (i >= s.length) return undefined
  const braced = s[i] === '{'
  if (braced) i++
  const from = i
  while (i < s.length) {
    const ch = String.fromCodePoint(s.codePointAt(i)!)
    if (!NAME_CHAR.test(ch)) break
    i += ch.length
  }
  if (i === from) return undefined
  const name = s.slice(from, i)
  if (braced) {
    if (s[i] !== '}') return undefined
    i++
  }
  let num = 0
  for (let j = 0; j < name.length; j++) {
    const d = name.charCodeAt(j) - 0x30
    if (d < 0 || d > 9 || num >= 1e8) {
      num = -1
      break
    }
    num = num * 10 + d
  }
  if (name.length > 1 && name[0] === '0') num = -1
  return { name, num, end: i }
}

/**
 * Compiles `template` against a regex's capture group names (index 0 = whole match). Named references
 * resolve to the first group of that name, as Go's lookup does.
 */
export function compileTemplate(template: string, groupNames: readonly string[]): Template {
  const parts: (string | number)[] = []
  let literal = ''
  let i = 0
  for (;;) {
    const dollar = template.indexOf('$', i)
    if (dollar < 0) {
      literal += template.slice(i)
      break
    }
    literal += template.slice(i, dollar)
    i = dollar + 1
    if (template[i] === '$') {
      literal += '$'
      i++
      continue
    }
    const ref = extract(template, i)
    if (ref === undefined) {
      literal += '$'
      continue
    }
    i = ref.end
    const group = ref.num >= 0 ? (ref.num < groupNames.length ? ref.num : -1) : groupNames.indexOf(ref.name)
    if (group < 0) continue
    if (literal !== '') parts.push(literal)
    literal = ''
    parts.push(group)
  }
  if (literal !== '' || parts.length === 0) parts.push(literal)
  return new Template(parts)
}
