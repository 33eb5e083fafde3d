import type { Comment, CommentGroup } from '../ast.ts'
import type { LineIndex, Position } from '../position.ts'
import { ESCAPE } from './tabwriter.ts'

/**
 * Whitespace instructions, as in Alloy's printer: written lazily before the next token so that
 * comments can be placed in between. `\v` separates aligned columns, `\f` also ends an alignment run.
 */
export type Whitespace = 'ignore' | ' ' | '\v' | '\n' | '\f' | 'indent' | 'unindent'

/** Printed token kinds that matter for spacing and comment placement. */
export type PrintedToken = 'LITERAL' | 'IDENT' | 'NUMBER' | 'EOF' | 'OTHER' | '/'

interface Pos {
  offset: number
  line: number
  column: number
}

const MAX_PENDING_WHITESPACE = 16
const MAX_NEWLINES = 2

/**
 * The low-level half of Alloy's printer: it tracks an approximate source position while writing,
 * so that every comment is emitted just before the first token that follows it in the source, with
 * the blank lines and separators Alloy chooses. Its output still carries tabwriter cells and
 * escapes; `render` in format.ts aligns and trims it.
 */
export class Printer {
  readonly #lines: LineIndex
  readonly #groups: CommentGroup[]
  #groupIdx = 0
  #output = ''
  #indent = 0
  #lastTok: PrintedToken = 'LITERAL'
  #whitespace: Whitespace[] = []
  #pos: Pos = { offset: 0, line: 1, column: 1 }
  #last: Pos = { offset: 0, line: 0, column: 0 }
  #outColumn = 1

  constructor(lines: LineIndex, groups: CommentGroup[]) {
    this.#lines = lines
    this.#groups = groups.filter((g) => g.length > 0)
  }

  get output(): string {
    return this.#output
  }

  /** Line of the character at `offset` (Alloy positions end-of-node at the last character). */
  lineOf(offset: number): number {
    return this.#lines.line(offset)
  }

  ws(w: Whitespace): void {
    if (w === 'ignore') return
    if (this.#whitespace.length === MAX_PENDING_WHITESPACE) this.#writeWhitespace(this.#whitespace.length)
    this.#whitespace.push(w)
    this.#lastTok = 'LITERAL'
  }

  /** Moves the printer's idea of the source position to a known token position. */
  at(pos: Position | undefined): void {
    if (pos !== undefined && pos.line > 0)
      this.#pos = { offset: pos.offset, line: pos.line, column: pos.column }
  }

  /** Writes text of a token; `kind` drives the rule that keeps `1.` and `/*` from fusing. */
  text(data: string, kind: PrintedToken): void {
    this.#lastTok = kind
    this.#emit(data)
  }

  /** Writes an operator or punctuation token. */
  token(data: string): void {
    // A space keeps tokens from fusing when re-scanned: `1` then `.` would read as a float.
    if ((this.#lastTok === 'NUMBER' && data[0] === '.') || (this.#lastTok === '/' && data[0] === '*')) {
      this.#whitespace.push(' ')
    }
    this.#lastTok = data === '/' ? '/' : 'OTHER'
    this.#emit(data)
  }

  #emit(data: string): void {
    const next = { ...this.#pos }
    this.#flush(next, this.#lastTok)
    this.#writeString(next, data, false)
  }

  /** Writes the comments that remain after the last token. */
  finish(): void {
    const end = Number.MAX_SAFE_INTEGER
    this.#flush({ offset: end, line: end, column: end }, 'EOF')
  }

  /** Whether the next comment group starts at or before `next` (only a group's start counts). */
  #commentBefore(next: Pos): boolean {
    const g = this.#groups[this.#groupIdx]
    return g !== undefined && g[0]!.span.start.offset <= next.offset
  }

  #flush(next: Pos, tok: PrintedToken): void {
    if (this.#commentBefore(next)) this.#injectComments(next, tok)
    else if (tok !== 'EOF') this.#writeWhitespace(this.#whitespace.length)
  }

  #injectComments(next: Pos, tok: PrintedToken): void {
    let lastComment: Comment | undefined
    while (this.#commentBefore(next)) {
      for (const c of this.#groups[this.#groupIdx++]!) {
        this.#writeCommentPrefix(next, c)
        this.#writeString(c.span.start, c.text, true)
        lastComment = c
      }
    }
    if (lastComment !== undefined) this.#writeCommentSuffix(next, tok, lastComment)
  }

  #writeCommentPrefix(next: Pos, c: Comment): void {
    if (this.#output.length === 0) return
    const cLine = c.span.start.line
    if (cLine === this.#last.line) {
      // Same line as the previous token: a tab aligns trailing comments, but a block comment
      // followed by more code on its line gets a plain space.
      this.#writeByte(cLine === next.line ? ' ' : '\t', 1)
      return
    }
    // Keep pending indentation changes up to the first real whitespace, which the comment replaces.
    let count = 0
    for (let i = 0; i < this.#whitespace.length; i++) {
      const w = this.#whitespace[i]!
      if (w === 'indent' || w === 'unindent') continue
      if (w === ' ' || w === '\v' || w === '\n' || w === '\f') this.#whitespace[i] = 'ignore'
      count = i
      break
    }
    this.#writeWhitespace(count)
    const newlines = this.#last.line > 0 ? cLine - this.#last.line : 0
    if (newlines > 0) this.#writeByte('\f', Math.min(newlines, MAX_NEWLINES))
  }

  #writeCommentSuffix(next: Pos, tok: PrintedToken, lastComment: Comment): void {
    if (tok === 'EOF') return
    let droppedFF = false
    const endLine = this.#lines.line(lastComment.span.start.offset + lastComment.text.length - 1)
    if (lastComment.text[1] === '*' && next.line === endLine) this.#writeByte(' ', 1)
    const newlines = next.line - this.#last.line
    for (let i = 0; i < this.#whitespace.length; i++) {
      const w = this.#whitespace[i]!
      if (w === ' ' || w === '\v') this.#whitespace[i] = 'ignore'
      else if (w === '\n' || w === '\f') {
        if (w === '\f') droppedFF = true
        this.#whitespace[i] = 'ignore'
      }
    }
    this.#writeWhitespace(this.#whitespace.length)
    if (newlines > 0) this.#writeByte(droppedFF ? '\f' : '\n', Math.min(newlines, MAX_NEWLINES))
  }

  #writeString(pos: Pos, s: string, isLit: boolean): void {
    if (this.#outColumn === 1) this.#writeIndent()
    if (pos.line > 0) this.#pos = { offset: pos.offset, line: pos.line, column: pos.column }
    this.#output += isLit ? `${ESCAPE}${s}${ESCAPE}` : s
    let newlines = 0
    let lastNewline = 0
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '\n' || s[i] === '\f') {
        newlines++
        lastNewline = i
      }
    }
    this.#pos.offset += s.length
    if (newlines > 0) {
      this.#pos.line += newlines
      this.#pos.column = s.length - lastNewline
      this.#outColumn = s.length - lastNewline
    } else {
      this.#pos.column += s.length
      this.#outColumn += s.length
    }
    this.#last = { ...this.#pos }
  }

  #writeIndent(): void {
    const depth = this.#indent
    this.#output += '\t'.repeat(depth)
    this.#pos.offset += depth
    this.#pos.column += depth
    this.#outColumn += depth
  }

  #writeByte(ch: string, n: number): void {
    if (this.#outColumn === 1) this.#writeIndent()
    this.#output += ch.repeat(n)
    this.#pos.offset += n
    if (ch === '\n' || ch === '\f') {
      this.#pos.line += n
      this.#pos.column = 1
      this.#outColumn = 1
      return
    }
    this.#pos.column += n
    this.#outColumn += n
  }

  #writeWhitespace(n: number): void {
    for (let i = 0; i < n; i++) {
      const w = this.#whitespace[i]!
      if (w === 'ignore') continue
      if (w === 'indent') this.#indent++
      else if (w === 'unindent') this.#indent = Math.max(0, this.#indent - 1)
      else this.#writeByte(w, 1)
    }
    this.#whitespace = this.#whitespace.slice(n)
  }
}
