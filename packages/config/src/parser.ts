import type {
  Attribute,
  Block,
  Comment,
  CommentGroup,
  ConfigFile,
  Expr,
  LiteralExpr,
  ObjectField,
  Statement,
} from './ast.ts'
import { isDigit, isLetter } from './chars.ts'
import { ConfigError, type Diagnostic } from './diagnostics.ts'
import { LineIndex, type Position, type Span } from './position.ts'
import { quote } from './quote.ts'
import { Scanner } from './scanner.ts'
import { type BinaryOp, binaryPrecedence, type Token, type TokenKind } from './token.ts'

/**
 * Nesting limits. Alloy has none, but a JavaScript stack does: without them a file of ten thousand
 * `[` would overflow it instead of producing a diagnostic. Real configurations nest a few levels.
 */
const MAX_NESTING = 200
const MAX_EXPR_DEPTH = 1000

const STATEMENT_END = new Set<TokenKind>(['TERMINATOR', ')', '}', ']', ','])

interface BlockName {
  fragments: string[]
  start: number
  end: number
  label: string
  labelPos: number | undefined
  labelLit: string
}

/** Recursive-descent parser over the token stream; mirrors Alloy's grammar, messages and recovery. */
class Parser {
  readonly lines: LineIndex
  readonly diags: Diagnostic[] = []
  readonly warnings: Diagnostic[] = []
  readonly comments: CommentGroup[] = []
  readonly #toks: Token[] = []
  readonly #depths = new WeakMap<Expr, number>()
  #i = 0
  tok: Token
  #lastErrorLine = 0
  #nesting = 0

  readonly #strict: boolean

  constructor(source: string, file: string, strict = false) {
    this.#strict = strict
    this.lines = new LineIndex(source, file)
    const scanner = new Scanner(source, (offset, end, message) => this.#diag(offset, end, message))
    let group: Comment[] | undefined
    let groupEndLine = 0
    for (;;) {
      const t = scanner.scan()
      if (t.kind === 'COMMENT') {
        const comment: Comment = { text: t.lit, span: this.lines.span(t.offset, t.offset + t.lit.length) }
        // A group ends at any other token or at a gap of a blank line (Alloy's consumeCommentGroup).
        if (group === undefined || comment.span.start.line > groupEndLine + 1) {
          group = []
          this.comments.push(group)
        }
        group.push(comment)
        groupEndLine = comment.span.start.line + (t.lit.startsWith('/*') ? t.lit.split('\n').length - 1 : 0)
        continue
      }
      group = undefined
      this.#toks.push(t)
      if (t.kind === 'EOF') break
    }
    this.tok = this.#toks[0]!
  }

  #diag(start: number, end: number, message: string, severity: 'error' | 'warning' = 'error'): void {
    const d: Diagnostic = { severity, message, span: this.lines.span(start, end) }
    if (severity === 'error') this.diags.push(d)
    else this.warnings.push(d)
  }

  next(): void {
    if (this.#i < this.#toks.length - 1) this.#i++
    this.tok = this.#toks[this.#i]!
  }

  /** The current token's kind (a method, so that narrowing does not survive `next()`). */
  kind(): TokenKind {
    return this.tok.kind
  }

  #peek(): Token {
    return this.#toks[Math.min(this.#i + 1, this.#toks.length - 1)]!
  }

  #pos(offset: number): Position {
    return this.lines.position(offset)
  }

  #span(start: number, end: number): Span {
    return this.lines.span(start, end)
  }

  /** Reports an error at the current token, at most one per line (Alloy's rule, to avoid cascades). */
  addError(message: string): void {
    const t = this.tok
    const line = this.lines.line(t.offset)
    if (this.#lastErrorLine === line) return
    this.#lastErrorLine = line
    const length = t.kind === 'EOF' ? 0 : Math.max(1, t.lit.length || t.kind.length)
    this.#diag(t.offset, t.offset + length, message)
  }

  #expect(kind: TokenKind): Token {
    const t = this.tok
    if (t.kind !== kind) this.addError(`expected ${kind}, got ${t.kind}`)
    this.next()
    return t
  }

  #advance(to: TokenKind): void {
    while (this.kind() !== 'EOF' && this.kind() !== to) this.next()
  }

  /** Gives up on the rest of the file after a nesting limit: every caller unwinds at EOF. */
  #bail(message: string): LiteralExpr {
    const t = this.tok
    this.#diag(t.offset, t.offset + Math.max(1, t.lit.length), message)
    this.#i = this.#toks.length - 1
    this.tok = this.#toks[this.#i]!
    return this.#nullAt(t.offset)
  }

  #nullAt(offset: number): LiteralExpr {
    return { kind: 'literal', token: 'NULL', raw: 'null', span: this.#span(offset, offset) }
  }

  #track<E extends Expr>(node: E, ...children: Expr[]): E {
    let depth = 0
    for (const c of children) depth = Math.max(depth, this.#depths.get(c) ?? 1)
    this.#depths.set(node, depth + 1)
    return node
  }

  #tooDeep(node: Expr): boolean {
    return (this.#depths.get(node) ?? 1) > MAX_EXPR_DEPTH
  }

  parseBody(until: TokenKind): Statement[] {
    const body: Statement[] = []
    while (this.kind() !== until && this.kind() !== 'EOF') {
      const stmt = this.#parseStatement()
      if (stmt !== undefined) body.push(stmt)
      if (this.kind() === until) break
      if (this.kind() !== 'TERMINATOR') {
        this.addError(`expected TERMINATOR, got ${this.kind()}`)
        this.#consumeStatement()
      }
      this.next()
    }
    return body
  }

  /** Skips to the end of the statement: the next terminator outside any brackets opened here. */
  #consumeStatement(): void {
    let curly = 0
    let brack = 0
    let paren = 0
    while (this.kind() !== 'EOF') {
      switch (this.kind()) {
        case '{':
          curly++
          break
        case '}':
          curly--
          break
        case '[':
          brack++
          break
        case ']':
          brack--
          break
        case '(':
          paren++
          break
        case ')':
          paren--
          break
        case 'TERMINATOR':
          if (curly <= 0 && brack <= 0 && paren <= 0) return
      }
      this.next()
    }
  }

  #parseStatement(): Statement | undefined {
    const bn = this.#parseBlockName()
    if (bn === undefined) {
      this.#advance('IDENT')
      return undefined
    }
    const nameSpan = this.#span(bn.start, bn.end)
    switch (this.kind()) {
      case '=': {
        this.next()
        if (bn.fragments.length !== 1) {
          const name = bn.fragments.join('.')
          this.#diag(
            bn.start,
            bn.start + name.length,
            'attribute names may only consist of a single identifier with no "."',
          )
        } else if (bn.labelPos !== undefined) {
          this.#diag(bn.labelPos, bn.labelPos + bn.label.length + 2, 'attribute names may not have labels')
        }
        const value = this.parseExpression()
        const attr: Attribute = {
          kind: 'attribute',
          name: bn.fragments[0]!,
          nameSpan,
          value,
          span: this.#span(bn.start, value.span.end.offset),
        }
        return attr
      }
      case '{': {
        if (++this.#nesting > MAX_NESTING) {
          this.#bail(`blocks nest deeper than ${MAX_NESTING} levels`)
          return undefined
        }
        const lcurly = this.#expect('{')
        const body = this.parseBody('}')
        const rcurly = this.#expect('}')
        this.#nesting--
        const block: Block = {
          kind: 'block',
          name: bn.fragments.join('.'),
          nameSpan,
          label: bn.label === '' ? undefined : bn.label,
          labelSpan:
            bn.labelPos === undefined ? undefined : this.#span(bn.labelPos, bn.labelPos + bn.labelLit.length),
          body,
          lcurly: this.#pos(lcurly.offset),
          rcurly: this.#pos(rcurly.offset),
          span: this.#span(bn.start, rcurly.offset + 1),
        }
        return block
      }
      default:
        if (bn.fragments.length === 1 && bn.label === '') {
          this.addError(`expected attribute assignment or block body, got ${this.kind()}`)
        } else {
          this.addError(`expected block body, got ${this.kind()}`)
        }
        this.#advance('IDENT')
        return undefined
    }
  }

  #parseBlockName(): BlockName | undefined {
    if (this.kind() !== 'IDENT') {
      this.addError(`expected identifier, got ${this.kind()}`)
      return undefined
    }
    const bn: BlockName = {
      fragments: [this.tok.lit],
      start: this.tok.offset,
      end: this.tok.offset + this.tok.lit.length,
      label: '',
      labelPos: undefined,
      labelLit: '',
    }
    this.next()
    while (this.kind() === '.') {
      this.next()
      if (this.kind() !== 'IDENT') this.addError(`expected identifier, got ${this.kind()}`)
      bn.fragments.push(this.tok.lit)
      bn.end = this.tok.offset + this.tok.lit.length
      this.next()
    }
    if (this.kind() !== '=' && this.kind() !== '{') {
      if (this.kind() === 'STRING') {
        const lit = this.tok.lit
        if (lit[0] !== '"') {
          this.addError(`expected block label to be a double quoted string, but got ${quote(lit)}`)
        }
        if (lit.length > 2) {
          bn.label = lit.slice(1, -1)
          if (!isValidIdentifier(bn.label)) {
            this.addError(`expected block label to be a valid identifier, but got ${quote(bn.label)}`)
          }
        }
        bn.labelPos = this.tok.offset
        bn.labelLit = lit
      } else {
        this.addError(`expected block label, got ${this.kind()}`)
      }
      this.next()
    }
    return bn
  }

  parseExpression(): Expr {
    return this.#parseBinOp(1)
  }

  /** Left-associative binary operators by precedence climbing; `^` is handled by parsePow. */
  #parseBinOp(inPrec: number): Expr {
    let lhs = this.#parsePow()
    for (;;) {
      const t = this.tok
      const prec = binaryPrecedence(t.kind)
      if (prec < inPrec) return lhs
      this.next()
      const rhs = this.#parseBinOp(prec + 1)
      lhs = this.#track(
        {
          kind: 'binary',
          op: t.kind as BinaryOp,
          left: lhs,
          right: rhs,
          opPos: this.#pos(t.offset),
          span: this.#span(lhs.span.start.offset, rhs.span.end.offset),
        },
        lhs,
        rhs,
      )
      if (this.#tooDeep(lhs)) return this.#bail(`expression nests deeper than ${MAX_EXPR_DEPTH} levels`)
    }
  }

  /** `^` is right-associative: `2 ^ 3 ^ 2` is `2 ^ (3 ^ 2)`. */
  #parsePow(): Expr {
    const lhs = this.#parseUnary()
    if (this.kind() !== '^') return lhs
    const t = this.tok
    this.next()
    if (++this.#nesting > MAX_NESTING) return this.#bail(`expression nests deeper than ${MAX_NESTING} levels`)
    const rhs = this.#parsePow()
    this.#nesting--
    return this.#track(
      {
        kind: 'binary',
        op: '^',
        left: lhs,
        right: rhs,
        opPos: this.#pos(t.offset),
        span: this.#span(lhs.span.start.offset, rhs.span.end.offset),
      },
      lhs,
      rhs,
    )
  }

  #parseUnary(): Expr {
    if (++this.#nesting > MAX_NESTING) return this.#bail(`expression nests deeper than ${MAX_NESTING} levels`)
    try {
      return this.#parseUnaryInner()
    } finally {
      this.#nesting--
    }
  }

  #parseUnaryInner(): Expr {
    if (this.kind() === '!' || this.kind() === '-') {
      const t = this.tok
      this.next()
      const operand = this.#parseUnary()
      return this.#track(
        {
          kind: 'unary',
          op: t.kind as '!' | '-',
          operand,
          span: this.#span(t.offset, operand.span.end.offset),
        },
        operand,
      )
    }
    let primary = this.#parsePrimary()
    for (;;) {
      switch (this.kind()) {
        case '.': {
          this.next()
          const name = this.#expect('IDENT')
          const end = name.offset + name.lit.length
          primary = this.#track(
            {
              kind: 'access',
              value: primary,
              name: name.lit,
              nameSpan: this.#span(name.offset, end),
              span: this.#span(primary.span.start.offset, end),
            },
            primary,
          )
          break
        }
        case '[': {
          const lbrack = this.#expect('[')
          const index = this.parseExpression()
          const rbrack = this.#expect(']')
          primary = this.#track(
            {
              kind: 'index',
              value: primary,
              index,
              lbrack: this.#pos(lbrack.offset),
              span: this.#span(primary.span.start.offset, rbrack.offset + 1),
            },
            primary,
            index,
          )
          break
        }
        case '(': {
          const lparen = this.#expect('(')
          const args = this.kind() !== ')' ? this.#parseExpressionList(')') : []
          const rparen = this.#expect(')')
          primary = this.#track(
            {
              kind: 'call',
              callee: primary,
              args,
              lparen: this.#pos(lparen.offset),
              span: this.#span(primary.span.start.offset, rparen.offset + 1),
            },
            primary,
            ...args,
          )
          break
        }
        case 'STRING':
        case '{': {
          // Someone is assigning a block to an attribute; parse it as a block to say so.
          if (this.kind() === 'STRING') this.next()
          if (this.#expect('{').kind !== '{') {
            this.#consumeStatement()
            return primary
          }
          this.parseBody('}')
          const end = this.#expect('}')
          if (end.kind !== '}') {
            this.#consumeStatement()
            return primary
          }
          this.#diag(primary.span.start.offset, end.offset + 1, 'cannot use a block as an expression')
          break
        }
        default:
          return primary
      }
      if (this.#tooDeep(primary)) return this.#bail(`expression nests deeper than ${MAX_EXPR_DEPTH} levels`)
    }
  }

  #parsePrimary(): Expr {
    const t = this.tok
    switch (t.kind) {
      case 'IDENT':
        this.next()
        return { kind: 'identifier', name: t.lit, span: this.#span(t.offset, t.offset + t.lit.length) }
      case 'STRING':
      case 'NUMBER':
      case 'FLOAT':
      case 'BOOL':
      case 'NULL':
        this.next()
        return {
          kind: 'literal',
          token: t.kind,
          raw: t.lit,
          span: this.#span(t.offset, t.offset + t.lit.length),
        }
      case '(': {
        this.next()
        const inner = this.parseExpression()
        const rparen = this.#expect(')')
        return this.#track({ kind: 'paren', inner, span: this.#span(t.offset, rparen.offset + 1) }, inner)
      }
      case '[': {
        this.next()
        const elements = this.kind() !== ']' ? this.#parseExpressionList(']') : []
        const rbrack = this.#expect(']')
        return this.#track(
          { kind: 'array', elements, span: this.#span(t.offset, rbrack.offset + 1) },
          ...elements,
        )
      }
      case '{': {
        this.next()
        // Alloy tests for `]` here rather than `}`; the field list stops at `}` either way.
        const fields = this.kind() !== ']' ? this.#parseFieldList('}') : []
        const rcurly = this.#expect('}')
        return this.#track(
          { kind: 'object', fields, span: this.#span(t.offset, rcurly.offset + 1) },
          ...fields.map((f) => f.value),
        )
      }
    }
    this.addError(`expected expression, got ${t.kind}`)
    while (this.kind() !== 'EOF' && !STATEMENT_END.has(this.kind())) this.next()
    return this.#nullAt(t.offset)
  }

  /**
   * A newline right before the closing bracket of a multi-line list is an error in Alloy (it wants
   * a trailing comma) but Sluice tolerates it with a warning: Alloy's own documentation has such
   * configurations, and the canonical printer adds the comma.
   */
  #listSeparator(until: TokenKind, what: string): void {
    if (this.kind() === ',') return
    if (!this.#strict && this.kind() === 'TERMINATOR' && this.#peek().kind === until) {
      const t = this.tok
      this.#diag(
        t.offset,
        t.offset + 1,
        `missing ',' in ${what} (tolerated; 'sluice fmt' adds it)`,
        'warning',
      )
      return
    }
    this.addError(`missing ',' in ${what}`)
  }

  #parseExpressionList(until: TokenKind): Expr[] {
    const exprs: Expr[] = []
    while (this.kind() !== until && this.kind() !== 'EOF') {
      exprs.push(this.parseExpression())
      if (this.kind() === until) break
      this.#listSeparator(until, 'expression list')
      this.next()
    }
    return exprs
  }

  #parseFieldList(until: TokenKind): ObjectField[] {
    const fields: ObjectField[] = []
    while (this.kind() !== until && this.kind() !== 'EOF') {
      fields.push(this.#parseField())
      if (this.kind() === until) break
      this.#listSeparator(until, 'field list')
      this.next()
    }
    return fields
  }

  #parseField(): ObjectField {
    const t = this.tok
    let name = ''
    let quoted = false
    let nameSpan = this.#span(t.offset, t.offset)
    if (t.kind === 'STRING' || t.kind === 'IDENT') {
      name = t.lit
      nameSpan = this.#span(t.offset, t.offset + t.lit.length)
      if (t.kind === 'STRING' && t.lit.length > 2) {
        name = t.lit.slice(1, -1)
        quoted = true
      }
      this.next()
    } else {
      this.addError(`expected field name (string or identifier), got ${t.kind}`)
      this.#advance('=')
    }
    this.#expect('=')
    const value = this.parseExpression()
    return { name, quoted, nameSpan, value }
  }
}

/** Whether `s` scans as exactly one identifier (so `true`, `a b` and `1a` are not). */
export function isValidIdentifier(s: string): boolean {
  if (s === '' || s === 'true' || s === 'false' || s === 'null') return false
  let first = true
  for (const c of s) {
    const cp = c.codePointAt(0)!
    if (!(isLetter(cp) || (!first && isDigit(cp)))) return false
    first = false
  }
  return true
}

function sortByPosition(diags: Diagnostic[]): Diagnostic[] {
  return diags
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.span.start.offset - b.d.span.start.offset || a.i - b.i)
    .map(({ d }) => d)
}

function internalError(err: unknown, source: string, file: string): ConfigError {
  const lines = new LineIndex(source, file)
  const message = err instanceof Error ? err.message : String(err)
  return new ConfigError([
    { severity: 'error', message: `internal parser error: ${message}`, span: lines.span(0, 0) },
  ])
}

/** Parser options. */
export interface ParseOptions {
  /** Reject what Alloy rejects, including the missing trailing comma Sluice otherwise tolerates. */
  strict?: boolean
}

/**
 * Parses an Alloy file. Throws a ConfigError carrying every syntax diagnostic found, sorted by
 * position; tolerated problems are returned as `warnings`.
 */
export function parse(source: string, file: string, options: ParseOptions = {}): ConfigFile {
  let p: Parser
  let body: Statement[]
  try {
    p = new Parser(source, file, options.strict)
    body = p.parseBody('EOF')
  } catch (err) {
    throw internalError(err, source, file)
  }
  if (p.diags.length > 0) throw new ConfigError(sortByPosition(p.diags))
  return { file, source, body, comments: p.comments, warnings: sortByPosition(p.warnings) }
}

/** Parses a single expression (the whole input must be one expression). */
export function parseExpression(source: string, file = ''): Expr {
  let p: Parser
  let expr: Expr
  try {
    p = new Parser(source, file)
    expr = p.parseExpression()
    if (p.tok.kind !== 'TERMINATOR') p.addError(`expected TERMINATOR, got ${p.tok.kind}`)
  } catch (err) {
    throw internalError(err, source, file)
  }
  if (p.diags.length > 0) throw new ConfigError(sortByPosition(p.diags))
  return expr
}
