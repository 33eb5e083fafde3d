/**
 * Lexical tokens of the Alloy syntax. A token's kind is the name Alloy prints for it in messages
 * (`expected =, got IDENT`): literal kinds in capitals, operators as their symbol.
 */
export type TokenKind =
  | 'ILLEGAL'
  | 'EOF'
  | 'COMMENT'
  | 'IDENT'
  | 'NUMBER'
  | 'FLOAT'
  | 'STRING'
  | 'BOOL'
  | 'NULL'
  | BinaryOp
  | '!'
  | '='
  | '{'
  | '}'
  | '('
  | ')'
  | '['
  | ']'
  | ','
  | '.'
  | 'TERMINATOR'

/** Binary operators, lowest precedence first. */
export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '^'

/** A scanned token: its kind, the offset of its first character and its source text. */
export interface Token {
  kind: TokenKind
  offset: number
  lit: string
}

/** Alloy's binary precedence: `||` 1, `&&` 2, comparisons 3, `+ -` 4, `* / %` 5, `^` 6; others 0. */
export function binaryPrecedence(kind: TokenKind): number {
  switch (kind) {
    case '||':
      return 1
    case '&&':
      return 2
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return 3
    case '+':
    case '-':
      return 4
    case '*':
    case '/':
    case '%':
      return 5
    case '^':
      return 6
    default:
      return 0
  }
}
