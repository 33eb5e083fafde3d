import { RegexSyntaxError } from '../errors.ts'
import { classRange, perlClassContent, posixClassContent, unicodeProperty } from './classes.ts'

/**
 * RE2 (Go `regexp/syntax`, Perl flags) -> JavaScript `v`-flag RegExp.
 *
 * The translation parses the pattern rather than rewriting text, because the two dialects disagree on
 * meaning, not only on spelling: RE2's `.` excludes only `\n`, its `\s` has no `\v`, `(?m)^` matches only
 * after `\n`, flags may change mid-group (`a(?i)b|c` folds `b` and `c`), escaped punctuation like `\_`
 * is legal, `]` first in a class is a literal, and a quantifier may follow `^`. Flags are tracked here
 * and resolved per atom, so JS flags are never set globally: case folding becomes a `(?i:...)` modifier
 * group around each folded atom, and `s`/`m` become explicit classes and lookarounds.
 */

const FOLD = 1
const MULTILINE = 2
const DOTNL = 4
const UNGREEDY = 8

/** Go's limit on `{n,m}` counts, also applied to nested counts multiplied together. */
const MAX_REPEAT = 1000

/** Error kinds, worded as Go's `regexp/syntax` error codes. */
const E = {
  charRange: 'invalid character class range',
  escape: 'invalid escape sequence',
  namedCapture: 'invalid named capture',
  perlOp: 'invalid or unsupported Perl syntax',
  repeatOp: 'invalid nested repetition operator',
  repeatSize: 'invalid repeat count',
  utf8: 'invalid UTF-8',
  missingBracket: 'missing closing ]',
  missingParen: 'missing closing )',
  missingRepeatArg: 'missing argument to repetition operator',
  trailingBackslash: 'trailing backslash at end of expression',
  unexpectedParen: 'unexpected )',
} as const

const SYNTAX_CHARS = '^$\\.*+?()[]{}|/'

/** One translated element of a concatenation. */
class Item {
  readonly src: string
  /** True when a quantifier needs `(?:...)` around `src` (assertions, already-quantified atoms). */
  readonly wrap: boolean
  /** Largest product of nested `{n,m}` counts below this item, as Go's `repeatIsValid` measures it. */
  readonly weight: number

  constructor(src: string, wrap: boolean, weight: number) {
    this.src = src
    this.wrap = wrap
    this.weight = weight
  }
}

/** An open group: its opening text, the flags to restore at `)`, and what it holds so far. */
class Frame {
  readonly open: string
  readonly savedFlags: number
  readonly alternatives: string[]
  items: Item[]
  weight: number

  constructor(open: string, savedFlags: number) {
    this.open = open
    this.savedFlags = savedFlags
    this.alternatives = []
    this.items = []
    this.weight = 1
  }
}

/** A compiled RE2 pattern plus what Go's `Regexp.Expand` needs to resolve `$name`. */
export interface CompiledRe2 {
  /** Fully anchored (`^(?:...)$`), `v` flag, no `g`/`y`: `exec` and `test` need no `lastIndex` care. */
  readonly regexp: RegExp
  /** Capture group names by group number; index 0 is the whole match; unnamed groups are `''`. */
  readonly groupNames: readonly string[]
}

/**
 * Compiles an RE2 pattern. `dotAll` starts the parse with the `s` flag set, which is what Prometheus's
 * `^(?s:...)$` wrapping of relabel regexes amounts to for a pattern whose parentheses balance.
 * Throws RegexSyntaxError for anything Go's parser rejects, including constructs RE2 lacks
 * (backreferences, lookaround, atomic groups, possessive quantifiers).
 */
export function compileRe2(pattern: string, options: { dotAll?: boolean } = {}): CompiledRe2 {
  return new Translator(pattern, options.dotAll === true ? DOTNL : 0).run()
}

/** RE2 (Go regexp syntax) -> JS RegExp, fully anchored; throws RegexSyntaxError for what RE2 lacks. */
export function translateRegex(re2: string): RegExp {
  return compileRe2(re2).regexp
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7'
}

function hexValue(c: string | undefined): number {
  if (c === undefined || c.length !== 1) return -1
  const v = Number.parseInt(c, 16)
  return Number.isNaN(v) ? -1 : v
}

function isAsciiAlnum(c: string): boolean {
  return /^[0-9A-Za-z]$/.test(c)
}

/** True when case folding can make `cp` match something else, so a `(?i:...)` wrapper matters. */
function hasCase(cp: number): boolean {
  const ch = String.fromCodePoint(cp)
  return ch.toLowerCase() !== ch.toUpperCase()
}

function literalSource(cp: number): string {
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return `\\u{${cp.toString(16)}}`
  const ch = String.fromCodePoint(cp)
  return SYNTAX_CHARS.includes(ch) ? `\\${ch}` : ch
}

function perlOpHint(next: string | undefined): string | undefined {
  switch (next) {
    case '=':
    case '!':
      return 'lookahead assertions are not supported by RE2'
    case '>':
      return 'atomic groups are not supported by RE2'
    case 'P':
      return 'RE2 supports (?P<name>...) but not (?P=name) backreferences or (?P>name) recursion'
    case '#':
      return 'comments are not supported by RE2'
    case "'":
      return 'write named groups as (?P<name>...) or (?<name>...)'
    default:
      return undefined
  }
}

function escapeHint(c: string): string | undefined {
  if (c >= '1' && c <= '9') return 'backreferences are not supported by RE2'
  if (c === 'k' || c === 'g') return 'backreferences are not supported by RE2'
  if (c === 'Z') return 'RE2 has \\z (end of text) but not \\Z'
  if (c === 'C') return 'RE2 in Go does not support \\C (any byte)'
  return undefined
}

class Translator {
  readonly pattern: string
  readonly cps: string[]
  readonly stack: Frame[]
  readonly groupNames: string[]
  /** Names already emitted as JS named groups; JS forbids repeats that Go allows. */
  readonly jsNames: Set<string>
  flags: number
  pos: number

  constructor(pattern: string, flags: number) {
    this.pattern = pattern
    this.cps = Array.from(pattern)
    this.stack = [new Frame('', flags)]
    this.groupNames = ['']
    this.jsNames = new Set()
    this.flags = flags
    this.pos = 0
  }

  run(): CompiledRe2 {
    if (!this.pattern.isWellFormed()) throw new RegexSyntaxError(E.utf8, this.pattern)
    let lastRepeatStart = -1
    while (this.pos < this.cps.length) {
      const start = this.pos
      const c = this.cps[start]!
      let isRepeat = false
      switch (c) {
        case '(':
          this.openGroup()
          break
        case '|':
          this.pos++
          this.alternate()
          break
        case ')':
          this.pos++
          this.closeGroup()
          break
        case '^':
          this.pos++
          this.assertion(this.flags & MULTILINE ? '(?<![^\\n])' : '^')
          break
        case '$':
          this.pos++
          this.assertion(this.flags & MULTILINE ? '(?![^\\n])' : '$')
          break
        case '.':
          // RE2's `.` excludes only `\n` (JS's also excludes `\r`, U+2028, U+2029); case folding is moot.
          this.pos++
          this.atom(this.flags & DOTNL ? '[^]' : '[^\\n]', false)
          break
        case '[':
          this.parseClass()
          break
        case '*':
        case '+':
        case '?':
          this.pos++
          this.repeat(c, 0, 0, start, lastRepeatStart)
          isRepeat = true
          break
        case '{': {
          const braces = this.parseBraces()
          if (braces === undefined) {
            // Go: a `{` that does not start a valid repeat is a literal.
            this.pos++
            this.literal(0x7b)
            break
          }
          const { min, max, end } = braces
          if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            throw new RegexSyntaxError(E.repeatSize, this.cps.slice(start, end).join(''))
          }
          this.pos = end
          this.repeat('{', min, max, start, lastRepeatStart)
          isRepeat = true
          break
        }
        case '\\':
          this.parseBackslash()
          break
        default:
          this.pos++
          this.literal(c.codePointAt(0)!)
      }
      lastRepeatStart = isRepeat ? start : -1
    }
    if (this.stack.length !== 1) throw new RegexSyntaxError(E.missingParen, this.pattern)
    const body = this.finishFrame(this.stack[0]!)
    return { regexp: new RegExp(`^(?:${body})$`, 'v'), groupNames: this.groupNames }
  }

  private get top(): Frame {
    return this.stack[this.stack.length - 1]!
  }

  private slice(from: number, to: number = this.cps.length): string {
    return this.cps.slice(from, to).join('')
  }

  private atom(src: string, fold: boolean): void {
    this.top.items.push(new Item(fold ? `(?i:${src})` : src, false, 1))
  }

  private assertion(src: string): void {
    this.top.items.push(new Item(src, true, 1))
  }

  private literal(cp: number): void {
    this.atom(literalSource(cp), (this.flags & FOLD) !== 0 && hasCase(cp))
  }

  private repeat(op: string, min: number, max: number, start: number, lastRepeatStart: number): void {
    let greedy = (this.flags & UNGREEDY) === 0
    if (this.cps[this.pos] === '?') {
      this.pos++
      greedy = !greedy
    }
    if (lastRepeatStart >= 0) {
      // Perl (and so RE2) forbids stacking: `a**` is an error and `a*+` would be possessive.
      const hint = op === '+' ? 'possessive quantifiers are not supported by RE2' : undefined
      throw new RegexSyntaxError(E.repeatOp, this.slice(lastRepeatStart, this.pos), hint)
    }
    const items = this.top.items
    const last = items[items.length - 1]
    if (last === undefined) throw new RegexSyntaxError(E.missingRepeatArg, this.slice(start, this.pos))
    let quantifier: string = op
    let weight = last.weight
    if (op === '{') {
      quantifier = max === min ? `{${min}}` : max < 0 ? `{${min},}` : `{${min},${max}}`
      const count = max < 0 ? min : max
      weight = count === 0 ? 1 : count * last.weight
      if ((min >= 2 || max >= 2) && weight > MAX_REPEAT) {
        throw new RegexSyntaxError(E.repeatSize, this.slice(start, this.pos))
      }
    }
    const base = last.wrap ? `(?:${last.src})` : last.src
    items[items.length - 1] = new Item(`${base}${quantifier}${greedy ? '' : '?'}`, true, weight)
  }

  /** Parses `{n}`, `{n,}` or `{n,m}` at `pos`; undefined when the text is not of that form. */
  private parseBraces(): { min: number; max: number; end: number } | undefined {
    const cps = this.cps
    let j = this.pos + 1
    const readInt = (): number | undefined => {
      const from = j
      while (j < cps.length && cps[j]! >= '0' && cps[j]! <= '9') j++
      if (j === from) return undefined
      // Go rejects leading zeros, which leaves the `{` a literal.
      if (j - from > 1 && cps[from] === '0') return undefined
      return Number(this.slice(from, j))
    }
    const min = readInt()
    if (min === undefined || j >= cps.length) return undefined
    let max = min
    if (cps[j] === ',') {
      j++
      if (j >= cps.length) return undefined
      if (cps[j] === '}') {
        max = -1
      } else {
        const m = readInt()
        if (m === undefined) return undefined
        max = m
      }
    }
    if (cps[j] !== '}') return undefined
    return { min, max, end: j + 1 }
  }

  private openGroup(): void {
    const cps = this.cps
    const start = this.pos
    if (cps[start + 1] !== '?') {
      this.pos++
      this.pushCapture('')
      return
    }
    const isP = cps.length > start + 4 && cps[start + 2] === 'P' && cps[start + 3] === '<'
    const isAngle = cps.length > start + 3 && cps[start + 2] === '<'
    if (isAngle && (cps[start + 3] === '=' || cps[start + 3] === '!')) {
      throw new RegexSyntaxError(
        E.perlOp,
        this.slice(start, start + 4),
        'lookbehind assertions are not supported by RE2',
      )
    }
    if (isP || isAngle) {
      const end = cps.indexOf('>', start)
      if (end < 0) throw new RegexSyntaxError(E.namedCapture, this.slice(start))
      const name = this.slice(start + (isP ? 4 : 3), end)
      if (!/^[A-Za-z0-9_]+$/.test(name))
        throw new RegexSyntaxError(E.namedCapture, this.slice(start, end + 1))
      this.pos = end + 1
      this.pushCapture(name)
      return
    }
    // Flags, a non-capturing group, or both: (?i) (?i-s:...) (?:...)
    let flags = this.flags
    let negate = false
    let sawFlag = false
    let j = start + 2
    while (j < cps.length) {
      const c = cps[j++]
      let bit = 0
      if (c === 'i') bit = FOLD
      else if (c === 'm') bit = MULTILINE
      else if (c === 's') bit = DOTNL
      else if (c === 'U') bit = UNGREEDY
      else if (c === '-' && !negate) {
        negate = true
        sawFlag = false
        continue
      } else if ((c === ':' || c === ')') && (!negate || sawFlag)) {
        // A group keeps the flags of its opening so that `)` restores them; `(?i)` lasts until then.
        if (c === ':') this.stack.push(new Frame('(?:', this.flags))
        this.flags = flags
        this.pos = j
        return
      } else {
        break
      }
      flags = negate ? flags & ~bit : flags | bit
      sawFlag = true
    }
    throw new RegexSyntaxError(E.perlOp, this.slice(start, j), perlOpHint(cps[start + 2]))
  }

  private pushCapture(name: string): void {
    this.groupNames.push(name)
    let open = '('
    // Go allows names JS does not (leading digit, repeats); those become plain groups, and `$name`
    // expansion resolves names from groupNames, not from the JS RegExp.
    if (/^[A-Za-z_]\w*$/.test(name) && !this.jsNames.has(name)) {
      this.jsNames.add(name)
      open = `(?<${name}>`
    }
    this.stack.push(new Frame(open, this.flags))
  }

  private alternate(): void {
    const frame = this.top
    this.closeAlternative(frame)
    frame.items = []
  }

  private closeAlternative(frame: Frame): void {
    let src = ''
    for (const item of frame.items) {
      src += item.src
      if (item.weight > frame.weight) frame.weight = item.weight
    }
    frame.alternatives.push(src)
  }

  private finishFrame(frame: Frame): string {
    this.closeAlternative(frame)
    return frame.alternatives.join('|')
  }

  private closeGroup(): void {
    if (this.stack.length === 1) throw new RegexSyntaxError(E.unexpectedParen, this.pattern)
    const frame = this.stack.pop()!
    const src = `${frame.open}${this.finishFrame(frame)})`
    this.flags = frame.savedFlags
    this.top.items.push(new Item(src, false, frame.weight))
  }

  private parseBackslash(): void {
    const cps = this.cps
    const start = this.pos
    const next = cps[start + 1]
    switch (next) {
      case 'A':
        this.pos += 2
        this.assertion('^')
        return
      case 'z':
        this.pos += 2
        this.assertion('$')
        return
      case 'b':
        this.pos += 2
        this.assertion('\\b')
        return
      case 'B':
        this.pos += 2
        this.assertion('\\B')
        return
      case 'Q': {
        // \Q...\E: everything up to \E (or the end) is literal.
        let end = start + 2
        while (end < cps.length && !(cps[end] === '\\' && cps[end + 1] === 'E')) end++
        for (let k = start + 2; k < end; k++) this.literal(cps[k]!.codePointAt(0)!)
        this.pos = end < cps.length ? end + 2 : end
        return
      }
      case 'p':
      case 'P':
        this.atom(this.parseUnicodeClass(), (this.flags & FOLD) !== 0)
        return
    }
    if (next !== undefined && /^[dDsSwW]$/.test(next)) {
      const content = perlClassContent(next.toLowerCase())!
      this.pos += 2
      this.atom(next === next.toLowerCase() ? `[${content}]` : `[^${content}]`, (this.flags & FOLD) !== 0)
      return
    }
    this.literal(this.parseEscape())
  }

  /** Parses a single-character escape at `pos` (a backslash) and returns its code point. */
  private parseEscape(): number {
    const cps = this.cps
    const start = this.pos
    const c = cps[start + 1]
    if (c === undefined) throw new RegexSyntaxError(E.trailingBackslash, '')
    this.pos = start + 2
    // A lone \1-\7 would be a backreference; followed by another octal digit it is an octal escape.
    if ((c === '0' || (c >= '1' && c <= '7' && isOctal(cps[this.pos]))) && c.length === 1) {
      let r = Number(c)
      for (let i = 1; i < 3 && isOctal(cps[this.pos]); i++) r = r * 8 + Number(cps[this.pos++])
      return r
    }
    if (c === 'x') return this.parseHexEscape(start)
    const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 }
    if (Object.hasOwn(simple, c)) return simple[c]!
    // Go: escaped ASCII punctuation is always itself (`\_`, `\-`, `\:` ...), which JS `u`/`v` reject.
    const cp = c.codePointAt(0)!
    if (cp < 0x80 && !isAsciiAlnum(c)) return cp
    throw new RegexSyntaxError(E.escape, `\\${c}`, escapeHint(c))
  }

  private parseHexEscape(start: number): number {
    const cps = this.cps
    const fail = (): RegexSyntaxError => new RegexSyntaxError(E.escape, this.slice(start, this.pos))
    if (cps[this.pos] === '{') {
      this.pos++
      let r = 0
      let digits = 0
      for (;;) {
        const d = cps[this.pos]
        if (d === undefined) throw fail()
        this.pos++
        if (d === '}') break
        const v = hexValue(d)
        if (v < 0) throw fail()
        r = r * 16 + v
        if (r > 0x10ffff) throw fail()
        digits++
      }
      if (digits === 0) throw fail()
      return r
    }
    const x = hexValue(cps[this.pos])
    if (cps[this.pos] !== undefined) this.pos++
    const y = hexValue(cps[this.pos])
    if (cps[this.pos] !== undefined) this.pos++
    if (x < 0 || y < 0) throw fail()
    return x * 16 + y
  }

  /** Parses `\pL`, `\p{Greek}`, `\P{..}`, `\p{^..}` at `pos` into a JS property escape. */
  private parseUnicodeClass(): string {
    const cps = this.cps
    const start = this.pos
    let negated = cps[start + 1] === 'P'
    const c = cps[start + 2]
    if (c === undefined) throw new RegexSyntaxError(E.charRange, this.slice(start))
    let name: string
    let end: number
    if (c !== '{') {
      name = c
      end = start + 3
    } else {
      const close = cps.indexOf('}', start)
      if (close < 0) throw new RegexSyntaxError(E.charRange, this.slice(start))
      name = this.slice(start + 3, close)
      end = close + 1
    }
    if (name.startsWith('^')) {
      negated = !negated
      name = name.slice(1)
    }
    const prop = unicodeProperty(name, negated)
    if (prop === undefined) throw new RegexSyntaxError(E.charRange, this.slice(start, end))
    this.pos = end
    return prop
  }

  private parseClass(): void {
    const cps = this.cps
    const start = this.pos
    let j = start + 1
    let negated = false
    if (cps[j] === '^') {
      negated = true
      j++
    }
    let content = ''
    // Go: `]` right after `[` or `[^` is a literal, not the end of the class.
    let first = true
    while (j >= cps.length || cps[j] !== ']' || first) {
      if (j >= cps.length) throw new RegexSyntaxError(E.missingBracket, this.slice(start))
      first = false
      if (cps[j] === '[' && cps[j + 1] === ':') {
        let close = -1
        for (let k = j + 2; k + 1 < cps.length; k++) {
          if (cps[k] === ':' && cps[k + 1] === ']') {
            close = k
            break
          }
        }
        if (close >= 0) {
          const posix = posixClassContent(this.slice(j + 2, close))
          if (posix === undefined) throw new RegexSyntaxError(E.charRange, this.slice(j, close + 2))
          content += posix
          j = close + 2
          continue
        }
      }
      if (cps[j] === '\\' && (cps[j + 1] === 'p' || cps[j + 1] === 'P')) {
        this.pos = j
        content += this.parseUnicodeClass()
        j = this.pos
        continue
      }
      if (cps[j] === '\\' && cps[j + 1] !== undefined && /^[dDsSwW]$/.test(cps[j + 1]!)) {
        content += perlClassContent(cps[j + 1]!)!
        j += 2
        continue
      }
      const rangeStart = j
      this.pos = j
      const lo = this.classChar()
      let hi = lo
      // `[a-]` is `a` or `-`; Perl mode makes a `-` that cannot start a range a literal.
      if (this.pos + 1 < cps.length && cps[this.pos] === '-' && cps[this.pos + 1] !== ']') {
        this.pos++
        hi = this.classChar()
        if (hi < lo) throw new RegexSyntaxError(E.charRange, this.slice(rangeStart, this.pos))
      }
      j = this.pos
      content += classRange(lo, hi)
    }
    this.pos = j + 1
    this.atom(`[${negated ? '^' : ''}${content}]`, (this.flags & FOLD) !== 0)
  }

  private classChar(): number {
    const c = this.cps[this.pos]!
    if (c === '\\') return this.parseEscape()
    this.pos++
    return c.codePointAt(0)!
  }
}
