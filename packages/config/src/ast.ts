import type { Diagnostic } from './diagnostics.ts'
import type { Position, Span } from './position.ts'
import type { BinaryOp } from './token.ts'

/**
 * The syntax tree of an Alloy file. Every node has a `kind` and the `span` of its source text;
 * extra positions (brackets, operators) are kept because the canonical printer decides line breaks
 * from them, as Alloy's does.
 */

/** A literal: `raw` is the source text (`"a\n"`, `` `raw` ``, `1.5`, `true`, `null`). */
export interface LiteralExpr {
  kind: 'literal'
  token: 'STRING' | 'NUMBER' | 'FLOAT' | 'BOOL' | 'NULL'
  raw: string
  span: Span
}

/** `[a, b]`; the span runs from `[` to `]`. */
export interface ArrayExpr {
  kind: 'array'
  elements: Expr[]
  span: Span
}

/**
 * One `name = value` of an object. `name` is the key: for a quoted key, the text between the quotes
 * as written (Alloy does not unescape keys).
 */
export interface ObjectField {
  name: string
  quoted: boolean
  nameSpan: Span
  value: Expr
}

/** `{ a = 1, "b" = 2 }`; the span runs from `{` to `}`. */
export interface ObjectExpr {
  kind: 'object'
  fields: ObjectField[]
  span: Span
}

/** A bare name such as `env` or the root of `prometheus.remote_write.x.receiver`. */
export interface IdentifierExpr {
  kind: 'identifier'
  name: string
  span: Span
}

/** `value.name`. */
export interface AccessExpr {
  kind: 'access'
  value: Expr
  name: string
  nameSpan: Span
  span: Span
}

/** `value[index]`; `lbrack` is the position of `[`. */
export interface IndexExpr {
  kind: 'index'
  value: Expr
  index: Expr
  lbrack: Position
  span: Span
}

/** `callee(args...)`; `lparen` is the position of `(`. */
export interface CallExpr {
  kind: 'call'
  callee: Expr
  args: Expr[]
  lparen: Position
  span: Span
}

/** `!x` or `-x`. */
export interface UnaryExpr {
  kind: 'unary'
  op: '!' | '-'
  operand: Expr
  span: Span
}

/** `left op right`; `opPos` is the position of the operator. */
export interface BinaryExpr {
  kind: 'binary'
  op: BinaryOp
  left: Expr
  right: Expr
  opPos: Position
  span: Span
}

/** `(inner)`. */
export interface ParenExpr {
  kind: 'paren'
  inner: Expr
  span: Span
}

export type Expr =
  | LiteralExpr
  | ArrayExpr
  | ObjectExpr
  | IdentifierExpr
  | AccessExpr
  | IndexExpr
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | ParenExpr

/** `name = value`. */
export interface Attribute {
  kind: 'attribute'
  name: string
  nameSpan: Span
  value: Expr
  span: Span
}

/**
 * `name "label" { body }`. `name` is dotted (`prometheus.remote_write`); `label` is undefined when
 * absent or empty. `lcurly`/`rcurly` are the positions of the braces.
 */
export interface Block {
  kind: 'block'
  name: string
  nameSpan: Span
  label: string | undefined
  labelSpan: Span | undefined
  body: Statement[]
  lcurly: Position
  rcurly: Position
  span: Span
}

export type Statement = Attribute | Block

/** A `//` or `/* *\/` comment; `text` includes the delimiters (carriage returns removed). */
export interface Comment {
  text: string
  span: Span
}

/**
 * Comments with no token between them and at most one line apart, as Alloy groups them; the printer
 * places a group as a whole.
 */
export type CommentGroup = Comment[]

/** A parsed file: its statements and every comment (in groups), in source order. */
export interface ConfigFile {
  file: string
  source: string
  body: Statement[]
  comments: CommentGroup[]
  /** Problems that did not stop the parse, such as a missing trailing comma Sluice tolerates. */
  warnings: Diagnostic[]
}
