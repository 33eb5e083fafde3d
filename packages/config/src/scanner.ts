import { formatCodePoint, isDecimal, isDigit, isLetter } from './chars.ts'
import type { Token, TokenKind } from './token.ts'

const EOF = -1
const BOM = 0xfeff
const NL = 0x0a

/** Receives a lexical error: where it starts, where the scanner stood, and Alloy's message. */
export type ScanErrorHandler = (offset: number, end: number, message: string) => void

function code(s: string): number {
  return s.charCodeAt(0)
}

/**
 * Splits Alloy source into tokens, the way Alloy's scanner does: comments are tokens, and a
 * TERMINATOR is inserted at a newline (or end of file) that follows an identifier, literal, `)`,
 * `]` or `}` — which is why a multi-line list needs a trailing comma.
 */
export class Scanner {
  readonly #src: string
  readonly #onError: ScanErrorHandler
  #ch = EOF
  #offset = 0
  #readOffset = 0
  #insertTerm = false
  #quiet = false

  constructor(src: string, onError: ScanErrorHandler) {
    this.#src = src
    this.#onError = onError
    this.#next()
    if (this.#ch === BOM) this.#next()
  }

  #error(offset: number, message: string): void {
    if (!this.#quiet) this.#onError(offset, Math.max(this.#offset, offset + 1), message)
  }

  #next(): void {
    if (this.#readOffset >= this.#src.length) {
      this.#offset = this.#src.length
      this.#ch = EOF
      return
    }
    this.#offset = this.#readOffset
    const r = this.#src.codePointAt(this.#readOffset)!
    if (r === 0) this.#error(this.#offset, 'illegal character NUL')
    else if (r >= 0xd800 && r <= 0xdfff) this.#error(this.#offset, 'illegal UTF-8 encoding')
    else if (r === BOM && this.#offset > 0) this.#error(this.#offset, 'illegal byte order mark')
    this.#readOffset += r > 0xffff ? 2 : 1
    this.#ch = r
  }

  #peek(): number {
    return this.#readOffset < this.#src.length ? this.#src.charCodeAt(this.#readOffset) : 0
  }

  /** The next token; EOF repeats once reached. */
  scan(): Token {
    this.#skipWhitespace()
    const pos = this.#offset
    let insertTerm = false
    let kind: TokenKind
    let lit = ''
    const ch = this.#ch

    if (isLetter(ch)) {
      lit = this.#scanIdentifier()
      kind = lit === 'true' || lit === 'false' ? 'BOOL' : lit === 'null' ? 'NULL' : 'IDENT'
      insertTerm = true
    } else if (isDecimal(ch) || (ch === code('.') && isDecimal(this.#peek()))) {
      insertTerm = true
      ;[kind, lit] = this.#scanNumber()
    } else {
      this.#next()
      switch (ch) {
        case EOF:
          if (this.#insertTerm) {
            this.#insertTerm = false
            return { kind: 'TERMINATOR', offset: pos, lit: '\n' }
          }
          kind = 'EOF'
          break
        case NL:
          // Only reached when a terminator is due: otherwise skipWhitespace eats newlines.
          this.#insertTerm = false
          return { kind: 'TERMINATOR', offset: pos, lit: '\n' }
        case code("'"):
          this.#error(pos, 'illegal single-quoted string; use double quotes')
          insertTerm = true
          kind = 'ILLEGAL'
          lit = this.#scanString(code("'"), true, false)
          break
        case code('"'):
          insertTerm = true
          kind = 'STRING'
          lit = this.#scanString(code('"'), true, false)
          break
        case code('`'):
          insertTerm = true
          kind = 'STRING'
          lit = this.#scanString(code('`'), false, true)
          break
        case code('|'):
          if (this.#ch !== code('|')) this.#error(this.#offset, 'missing second | in ||')
          else this.#next()
          kind = '||'
          break
        case code('&'):
          if (this.#ch !== code('&')) this.#error(this.#offset, 'missing second & in &&')
          else this.#next()
          kind = '&&'
          break
        case code('!'):
          kind = this.#switch2('!', '!=')
          break
        case code('='):
          kind = this.#switch2('=', '==')
          break
        case code('<'):
          kind = this.#switch2('<', '<=')
          break
        case code('>'):
          kind = this.#switch2('>', '>=')
          break
        case code('+'):
          kind = '+'
          break
        case code('-'):
          kind = '-'
          break
        case code('*'):
          kind = '*'
          break
        case code('/'):
          if (this.#ch === code('/') || this.#ch === code('*')) {
            // A due terminator goes before the comment when the comment runs to the end of the line;
            // the scanner then rewinds to the comment.
            if (this.#insertTerm && this.#findLineEnd()) {
              this.#ch = code('/')
              this.#offset = pos
              this.#readOffset = pos + 1
              this.#insertTerm = false
              return { kind: 'TERMINATOR', offset: pos, lit: '\n' }
            }
            kind = 'COMMENT'
            lit = this.#scanComment()
          } else {
            kind = '/'
          }
          break
        case code('%'):
          kind = '%'
          break
        case code('^'):
          kind = '^'
          break
        case code('{'):
          kind = '{'
          break
        case code('}'):
          insertTerm = true
          kind = '}'
          break
        case code('('):
          kind = '('
          break
        case code(')'):
          insertTerm = true
          kind = ')'
          break
        case code('['):
          kind = '['
          break
        case code(']'):
          insertTerm = true
          kind = ']'
          break
        case code(','):
          kind = ','
          break
        case code('.'):
          kind = '.'
          break
        default:
          if (ch !== BOM) this.#error(pos, `illegal character ${formatCodePoint(ch)}`)
          insertTerm = this.#insertTerm
          kind = 'ILLEGAL'
          lit = String.fromCodePoint(ch)
      }
    }
    this.#insertTerm = insertTerm
    return { kind, offset: pos, lit }
  }

  #skipWhitespace(): void {
    for (;;) {
      const c = this.#ch
      if (c === 0x20 || c === 0x09 || c === 0x0d || (c === NL && !this.#insertTerm)) this.#next()
      else return
    }
  }

  #scanIdentifier(): string {
    const start = this.#offset
    while (isLetter(this.#ch) || isDigit(this.#ch)) this.#next()
    return this.#src.slice(start, this.#offset)
  }

  #digits(): number {
    let count = 0
    while (isDecimal(this.#ch)) {
      this.#next()
      count++
    }
    return count
  }

  #scanNumber(): [TokenKind, string] {
    const start = this.#offset
    let kind: TokenKind = 'NUMBER'
    if (this.#ch !== code('.')) this.#digits()
    if (this.#ch === code('.')) {
      kind = 'FLOAT'
      this.#next()
      this.#digits()
    }
    if (this.#ch === code('e') || this.#ch === code('E')) {
      kind = 'FLOAT'
      this.#next()
      if (this.#ch === code('+') || this.#ch === code('-')) this.#next()
      if (this.#digits() === 0) this.#error(start, 'exponent has no digits')
    }
    return [kind, this.#src.slice(start, this.#offset)]
  }

  #scanString(until: number, escapes: boolean, multiline: boolean): string {
    const start = this.#offset - 1
    for (;;) {
      const ch = this.#ch
      if ((!multiline && ch === NL) || ch === EOF) {
        this.#error(start, 'string literal not terminated')
        break
      }
      this.#next()
      if (ch === until) break
      if (escapes && ch === code('\\')) this.#scanEscape()
    }
    return this.#src.slice(start, this.#offset)
  }

  /** Checks one escape sequence after a backslash; stops at an offending character without eating it. */
  #scanEscape(): void {
    const start = this.#offset
    let n: number
    let base: number
    let max: number
    switch (this.#ch) {
      case code('a'):
      case code('b'):
      case code('f'):
      case code('n'):
      case code('r'):
      case code('t'):
      case code('v'):
      case code('\\'):
      case code('"'):
        this.#next()
        return
      case code('x'):
        this.#next()
        ;[n, base, max] = [2, 16, 255]
        break
      case code('u'):
        this.#next()
        ;[n, base, max] = [4, 16, 0x10ffff]
        break
      case code('U'):
        this.#next()
        ;[n, base, max] = [8, 16, 0x10ffff]
        break
      default:
        if (this.#ch >= code('0') && this.#ch <= code('7')) {
          ;[n, base, max] = [3, 8, 255]
          break
        }
        this.#error(start, this.#ch === EOF ? 'escape sequence not terminated' : 'unknown escape sequence')
        return
    }
    let x = 0
    for (; n > 0; n--) {
      const d = digitVal(this.#ch)
      if (d >= base) {
        const message =
          this.#ch === EOF
            ? 'escape sequence not terminated'
            : `illegal character ${formatCodePoint(this.#ch)} in escape sequence`
        this.#error(start, message)
        return
      }
      x = x * base + d
      this.#next()
    }
    if (x > max || (x >= 0xd800 && x < 0xe000))
      this.#error(start, 'escape sequence is invalid Unicode code point')
  }

  #scanComment(): string {
    const start = this.#offset - 1
    let block = false
    if (this.#ch === code('/')) {
      // The final newline is not part of a line comment.
      this.#next()
      while (this.#ch !== NL && this.#ch !== EOF) this.#next()
    } else {
      block = true
      this.#next()
      let closed = false
      while (this.#ch !== EOF) {
        const ch = this.#ch
        this.#next()
        if (ch === code('*') && this.#ch === code('/')) {
          this.#next()
          closed = true
          break
        }
      }
      if (!closed) this.#error(start, 'block comment not terminated')
    }
    let lit = this.#src.slice(start, this.#offset)
    // Windows line endings: the comment text carries no carriage returns (but keeps `*\r/`).
    if (lit.endsWith('\r')) lit = lit.slice(0, -1)
    if (lit.includes('\r')) lit = stripCR(lit, block)
    return lit
  }

  /** Whether the comment starting at the current `/` runs to the end of its line (lookahead only). */
  #findLineEnd(): boolean {
    const off = this.#offset - 1
    this.#quiet = true
    try {
      while (this.#ch === code('/') || this.#ch === code('*')) {
        if (this.#ch === code('/')) return true
        this.#next()
        while (this.#ch !== EOF) {
          const ch = this.#ch
          if (ch === NL) return true
          this.#next()
          if (ch === code('*') && this.#ch === code('/')) {
            this.#next()
            break
          }
        }
        this.#skipWhitespace()
        if (this.#ch === EOF || this.#ch === NL) return true
        if (this.#ch !== code('/')) return false
        this.#next()
      }
      return false
    } finally {
      this.#ch = code('/')
      this.#offset = off
      this.#readOffset = off + 1
      this.#next()
      this.#quiet = false
    }
  }

  #switch2(a: TokenKind, b: TokenKind): TokenKind {
    if (this.#ch === code('=')) {
      this.#next()
      return b
    }
    return a
  }
}

function digitVal(ch: number): number {
  if (ch >= 0x30 && ch <= 0x39) return ch - 0x30
  const lower = ch | 0x20
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10
  return 16
}

function stripCR(text: string, block: boolean): string {
  let out = ''
  for (let j = 0; j < text.length; j++) {
    const ch = text[j]
    if (ch !== '\r' || (block && out.length > 2 && out.endsWith('*') && text[j + 1] === '/')) out += ch
  }
  return out
}
