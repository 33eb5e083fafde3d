import { isPrint } from './chars.ts'

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  '"': 34,
}

/**
 * The value of a string literal as Go's strconv.Unquote computes it: escapes in double-quoted
 * strings, carriage returns dropped from raw (backtick) strings. `\x` and octal escapes are bytes,
 * so `"\xc3\xa9"` is `é`; stray bytes that are not UTF-8 become U+FFFD. Returns undefined for text
 * that is not a well-formed literal (the scanner has reported it already).
 */
export function unquote(lit: string): string | undefined {
  if (lit.length < 2) return undefined
  const q = lit[0]
  if (q !== lit[lit.length - 1]) return undefined
  if (q === '`') return lit.slice(1, -1).replaceAll('\r', '')
  if (q !== '"') return undefined
  const body = lit.slice(1, -1)
  if (!body.includes('\\')) return body.includes('\n') ? undefined : body
  const bytes: number[] = []
  const pushText = (s: string) => {
    for (const b of Buffer.from(s, 'utf8')) bytes.push(b)
  }
  for (let i = 0; i < body.length; ) {
    const ch = body[i]!
    if (ch !== '\\') {
      const cp = body.codePointAt(i)!
      const s = String.fromCodePoint(cp)
      pushText(s)
      i += s.length
      continue
    }
    const e = body[i + 1]
    if (e === undefined) return undefined
    const simple = SIMPLE_ESCAPES[e]
    if (simple !== undefined) {
      bytes.push(simple)
      i += 2
      continue
    }
    const spec =
      e === 'x' ? [2, 16] : e === 'u' ? [4, 16] : e === 'U' ? [8, 16] : /[0-7]/.test(e) ? [3, 8] : undefined
    if (spec === undefined) return undefined
    const [n, base] = spec as [number, number]
    const start = base === 8 ? i + 1 : i + 2
    const digits = body.slice(start, start + n)
    const valid = base === 8 ? /^[0-7]+$/ : /^[0-9a-fA-F]+$/
    if (digits.length !== n || !valid.test(digits)) return undefined
    const value = Number.parseInt(digits, base)
    if (e === 'u' || e === 'U') {
      if (value > 0x10ffff || (value >= 0xd800 && value < 0xe000)) return undefined
      pushText(String.fromCodePoint(value))
    } else {
      if (value > 255) return undefined
      bytes.push(value)
    }
    i = start + n
  }
  return Buffer.from(bytes).toString('utf8')
}

/**
 * Go's strconv.Quote (the `%q` verb): a double-quoted literal with `"` and `\` escaped, control
 * characters as `\n`-style or `\x` escapes, and unprintable characters as `\u`/`\U` escapes.
 */
export function quote(s: string): string {
  let out = '"'
  for (const c of s) {
    const cp = c.codePointAt(0)!
    switch (c) {
      case '"':
        out += '\\"'
        continue
      case '\\':
        out += '\\\\'
        continue
      case '\x07':
        out += '\\a'
        continue
      case '\b':
        out += '\\b'
        continue
      case '\f':
        out += '\\f'
        continue
      case '\n':
        out += '\\n'
        continue
      case '\r':
        out += '\\r'
        continue
      case '\t':
        out += '\\t'
        continue
      case '\v':
        out += '\\v'
        continue
    }
    if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd'
    else if (isPrint(cp)) out += c
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`
    else out += `\\U${cp.toString(16).padStart(8, '0')}`
  }
  return `${out}"`
}
