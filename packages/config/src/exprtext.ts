import type { Expr } from './ast.ts'
import { quote } from './quote.ts'

const MAX_TEXT = 80

/**
 * A one-line rendering of an expression for messages, in canonical spacing: Alloy starts value
 * errors with the text of the expression at fault (`"abc" should be number, got string`).
 */
export function exprText(e: Expr): string {
  const text = render(e)
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 3)}...` : text
}

function render(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.raw
    case 'identifier':
      return e.name
    case 'array':
      return `[${e.elements.map(render).join(', ')}]`
    case 'object':
      if (e.fields.length === 0) return '{}'
      return `{ ${e.fields.map((f) => `${f.quoted ? quote(f.name) : f.name} = ${render(f.value)}`).join(', ')} }`
    case 'access':
      return `${render(e.value)}.${e.name}`
    case 'index':
      return `${render(e.value)}[${render(e.index)}]`
    case 'call':
      return `${render(e.callee)}(${e.args.map(render).join(', ')})`
    case 'unary':
      return `${e.op}${render(e.operand)}`
    case 'binary':
      return `${render(e.left)} ${e.op} ${render(e.right)}`
    case 'paren':
      return `(${render(e.inner)})`
  }
}
