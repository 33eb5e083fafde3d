import type { ArrayExpr, Block, CallExpr, Expr, ObjectExpr, Statement } from '../ast.ts'
import type { Position, Span } from '../position.ts'
import { quote } from '../quote.ts'
import type { Printer } from './printer.ts'

/**
 * The high-level half of the printer, following Alloy's walker: it decides spacing, indentation,
 * alignment cells and where lists break, from the line positions of the source.
 */
export class Walker {
  readonly #p: Printer

  constructor(p: Printer) {
    this.#p = p
  }

  /** Line of the last character of a span (Alloy's EndPos). */
  #endLine(span: Span): number {
    return this.#p.lineOf(span.end.offset - 1)
  }

  #nodeLines(span: Span): number {
    return this.#endLine(span) - span.start.line + 1
  }

  statements(stmts: Statement[]): void {
    const p = this.#p
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i]!
      let addedSpacing = false
      // Two blocks are always separated by a blank line; other statements keep one blank line if the
      // source had at least one.
      if (i > 0 && s.kind === 'block') {
        p.ws('\f')
        addedSpacing = true
      }
      if (i > 0 && !addedSpacing && s.span.start.line - this.#endLine(stmts[i - 1]!.span) > 1) p.ws('\f')
      if (s.kind === 'attribute') {
        p.at(s.nameSpan.start)
        p.text(s.name, 'IDENT')
        p.ws('\v')
        p.token('=')
        p.ws(' ')
        this.expr(s.value)
      } else {
        this.#block(s)
      }
      // A statement over several lines ends the run of aligned `=` signs.
      p.ws(this.#nodeLines(s.span) > 1 ? '\f' : '\n')
    }
  }

  #block(b: Block): void {
    const p = this.#p
    p.at(b.nameSpan.start)
    p.text(b.name, 'IDENT')
    if (b.label !== undefined) {
      p.ws(' ')
      p.at(b.labelSpan?.start)
      p.text(quote(b.label), 'LITERAL')
    }
    p.ws(' ')
    p.at(b.lcurly)
    p.token('{')
    p.ws('indent')
    if (b.body.length > 0) {
      p.ws('\f')
      this.statements(b.body)
    } else {
      p.ws(' ')
    }
    p.ws('unindent')
    p.at(b.rcurly)
    p.token('}')
  }

  expr(e: Expr): void {
    const p = this.#p
    switch (e.kind) {
      case 'literal':
        p.at(e.span.start)
        p.text(e.raw, e.token === 'NUMBER' ? 'NUMBER' : 'LITERAL')
        return
      case 'array':
        this.#array(e)
        return
      case 'object':
        this.#object(e)
        return
      case 'identifier':
        p.at(e.span.start)
        p.text(e.name, 'IDENT')
        return
      case 'access':
        this.expr(e.value)
        p.token('.')
        p.text(e.name, 'IDENT')
        return
      case 'index':
        this.expr(e.value)
        p.at(e.lbrack)
        p.token('[')
        this.expr(e.index)
        p.at(this.#lastChar(e.span))
        p.token(']')
        return
      case 'call':
        this.#call(e)
        return
      case 'unary':
        p.at(e.span.start)
        p.token(e.op)
        this.expr(e.operand)
        return
      case 'binary':
        this.expr(e.left)
        p.ws(' ')
        p.at(e.opPos)
        p.token(e.op)
        p.ws(' ')
        this.expr(e.right)
        return
      case 'paren':
        p.token('(')
        this.expr(e.inner)
        p.token(')')
        return
    }
  }

  /** Position of the closing bracket: the last character of the node. */
  #lastChar(span: Span): Position {
    const line = this.#endLine(span)
    return { offset: span.end.offset - 1, line, column: 0 }
  }

  #differentLines(aLine: number, bLine: number): boolean {
    return aLine !== bLine
  }

  #array(e: ArrayExpr): void {
    const p = this.#p
    p.at(e.span.start)
    p.token('[')
    let prevLine = e.span.start.line
    for (let i = 0; i < e.elements.length; i++) {
      const el = e.elements[i]!
      let addedNewline = false
      if (this.#differentLines(prevLine, el.span.start.line)) {
        // Indent before the newline so that comments written before the element are indented too.
        p.ws('indent')
        p.ws('\f')
        addedNewline = true
      } else if (i > 0) {
        p.ws(' ')
      }
      prevLine = this.#endLine(el.span)
      this.expr(el)
      if (i + 1 < e.elements.length) p.token(',')
      if (addedNewline) p.ws('unindent')
    }
    const close = this.#lastChar(e.span)
    if (e.elements.length > 0 && this.#differentLines(prevLine, close.line)) {
      // A closing bracket on its own line gets a trailing comma.
      p.token(',')
      p.ws('indent')
      p.ws('\f')
      p.ws('unindent')
    }
    p.at(close)
    p.token(']')
  }

  #object(e: ObjectExpr): void {
    const p = this.#p
    p.at(e.span.start)
    p.token('{')
    p.ws('indent')
    let prevLine = e.span.start.line
    for (let i = 0; i < e.fields.length; i++) {
      const field = e.fields[i]!
      if (this.#differentLines(prevLine, field.nameSpan.start.line)) {
        // Keep aligning `=` only while the previous field's value fit on one line.
        const prev = e.fields[i - 1]
        p.ws(prev !== undefined && this.#nodeLines(prev.value.span) === 1 ? '\n' : '\f')
      } else if (i > 0) {
        p.ws(' ')
      }
      // Alloy measures a quoted key's end from its unquoted length.
      prevLine = p.lineOf(field.nameSpan.start.offset + field.name.length - 1)
      p.at(field.nameSpan.start)
      if (field.quoted) p.text(quote(field.name), 'LITERAL')
      else p.text(field.name, 'IDENT')
      p.ws('\v')
      p.token('=')
      p.ws(' ')
      this.expr(field.value)
      if (i + 1 < e.fields.length) p.token(',')
    }
    const close = this.#lastChar(e.span)
    if (e.fields.length > 0 && this.#differentLines(prevLine, close.line)) {
      p.token(',')
      p.ws('\f')
    }
    p.ws('unindent')
    p.at(close)
    p.token('}')
  }

  #call(e: CallExpr): void {
    const p = this.#p
    this.expr(e.callee)
    p.token('(')
    let prevLine = e.lparen.line
    for (let i = 0; i < e.args.length; i++) {
      const arg = e.args[i]!
      let addedNewline = false
      if (this.#differentLines(prevLine, arg.span.start.line)) {
        p.ws('\f')
        p.ws('indent')
        addedNewline = true
      }
      this.expr(arg)
      prevLine = this.#endLine(arg.span)
      if (i + 1 < e.args.length) {
        p.token(',')
        p.ws(' ')
      }
      if (addedNewline) p.ws('unindent')
    }
    if (this.#differentLines(prevLine, this.#endLine(e.span))) {
      p.token(',')
      p.ws('\f')
    }
    p.token(')')
  }
}
