import type {
  AccessExpr,
  BinaryExpr,
  CallExpr,
  Expr,
  IdentifierExpr,
  IndexExpr,
  LiteralExpr,
  UnaryExpr,
} from './ast.ts'
import { ConfigError } from './diagnostics.ts'
import { exprText } from './exprtext.ts'
import type { Span } from './position.ts'
import { unquote } from './quote.ts'
import { stdlib } from './stdlib.ts'
import {
  ArgumentError,
  Capsule,
  isObject,
  isSecret,
  type Scope,
  secret,
  typeOf,
  type Value,
  type ValueType,
  valuesEqual,
} from './value.ts'

function fail(span: Span, message: string): never {
  throw new ConfigError([{ severity: 'error', message, span }])
}

/** `a.b.c` as `['a', 'b', 'c']` with the node of each prefix; undefined unless rooted at an identifier. */
function chainOf(e: Expr): { names: string[]; nodes: (IdentifierExpr | AccessExpr)[] } | undefined {
  const names: string[] = []
  const nodes: (IdentifierExpr | AccessExpr)[] = []
  let cur: Expr = e
  while (cur.kind === 'access') {
    names.push(cur.name)
    nodes.push(cur)
    cur = cur.value
  }
  if (cur.kind !== 'identifier') return undefined
  names.push(cur.name)
  nodes.push(cur)
  return { names: names.reverse(), nodes: nodes.reverse() }
}

/**
 * Evaluates an expression. Identifier chains (`prometheus.remote_write.x.receiver`) are looked up
 * whole in `scope`, then by ever shorter prefixes, then in the standard library; fields after the
 * resolved prefix are read from the value. Throws ConfigError pointing at the failing
 * sub-expression. Numbers are doubles: `7 / 2` is 3.5, where Alloy divides two integers to 3.
 */
export function evaluate(expr: Expr, scope: Scope): Value {
  try {
    return evalExpr(expr, scope)
  } catch (err) {
    if (err instanceof ConfigError) throw err
    // A stack overflow or a host bug must still surface as a configuration error.
    const message = err instanceof Error ? err.message : String(err)
    return fail(expr.span, `cannot evaluate ${exprText(expr)}: ${message}`)
  }
}

function evalExpr(e: Expr, scope: Scope): Value {
  switch (e.kind) {
    case 'literal':
      return literalValue(e)
    case 'array':
      return e.elements.map((el) => evalExpr(el, scope))
    case 'object': {
      const out: { [key: string]: Value } = {}
      for (const f of e.fields) {
        Object.defineProperty(out, f.name, {
          value: evalExpr(f.value, scope),
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      return out
    }
    case 'identifier':
    case 'access': {
      const chain = chainOf(e)
      if (chain !== undefined) return resolveChain(chain.names, chain.nodes, scope)
      const access = e as AccessExpr
      return field(evalExpr(access.value, scope), access)
    }
    case 'index':
      return index(e, scope)
    case 'paren':
      return evalExpr(e.inner, scope)
    case 'unary':
      return unary(e, evalExpr(e.operand, scope))
    case 'binary':
      return binary(e, evalExpr(e.left, scope), evalExpr(e.right, scope))
    case 'call':
      return call(e, scope)
  }
}

function literalValue(e: LiteralExpr): Value {
  switch (e.token) {
    case 'NULL':
      return null
    case 'BOOL':
      return e.raw === 'true'
    case 'NUMBER':
      // Go's ParseInt with base 0: a leading zero means octal.
      return /^0[0-7]+$/.test(e.raw) ? Number.parseInt(e.raw, 8) : Number(e.raw)
    case 'FLOAT':
      return Number(e.raw)
    case 'STRING': {
      const s = unquote(e.raw)
      return s ?? fail(e.span, `invalid string literal ${e.raw}`)
    }
  }
}

function resolveChain(names: string[], nodes: (IdentifierExpr | AccessExpr)[], scope: Scope): Value {
  for (const source of [scope, stdlib]) {
    for (let k = names.length; k >= 1; k--) {
      let v = source.lookup(names.slice(0, k))
      if (v === undefined) continue
      for (let j = k; j < names.length; j++) v = field(v, nodes[j] as AccessExpr)
      return v
    }
  }
  const root = nodes[0]!
  if (names.length === 1) return fail(root.span, `identifier ${JSON.stringify(names[0])} does not exist`)
  const whole = nodes[nodes.length - 1]!
  return fail(whole.span, `component ${JSON.stringify(names.join('.'))} does not exist or is out of scope`)
}

function field(v: Value, e: AccessExpr): Value {
  if (isObject(v)) {
    if (!Object.hasOwn(v, e.name)) return fail(e.nameSpan, `field ${JSON.stringify(e.name)} does not exist`)
    return v[e.name]!
  }
  if (v instanceof Capsule) {
    return fail(
      e.value.span,
      `${exprText(e.value)} expected object or array or a capsule convertible to an object, got capsule`,
    )
  }
  return fail(
    e.value.span,
    `${exprText(e.value)} cannot access field ${JSON.stringify(e.name)} on value of type ${typeOf(v)}`,
  )
}

function index(e: IndexExpr, scope: Scope): Value {
  const v = evalExpr(e.value, scope)
  const i = evalExpr(e.index, scope)
  if (Array.isArray(v)) {
    if (typeof i !== 'number')
      return fail(e.index.span, `${exprText(e.index)} should be number, got ${typeOf(i)}`)
    const n = Math.trunc(i)
    if (n < 0 || n >= v.length) {
      return fail(
        e.index.span,
        `${exprText(e.index)} index ${n} is out of range of array with length ${v.length}`,
      )
    }
    return v[n]!
  }
  if (isObject(v)) {
    if (typeof i !== 'string')
      return fail(e.index.span, `${exprText(e.index)} should be string, got ${typeOf(i)}`)
    // A missing key read with [] is null, unlike `.name`.
    return Object.hasOwn(v, i) ? v[i]! : null
  }
  return fail(e.value.span, `${exprText(e.value)} expected object or array, got ${typeOf(v)}`)
}

function unary(e: UnaryExpr, v: Value): Value {
  if (e.op === '!') {
    if (typeof v !== 'boolean')
      return fail(e.operand.span, `${exprText(e.operand)} should be bool, got ${typeOf(v)}`)
    return !v
  }
  if (typeof v !== 'number')
    return fail(e.operand.span, `${exprText(e.operand)} should be number, got ${typeOf(v)}`)
  return -v
}

const BINOP_TYPES: Record<string, ValueType[]> = {
  '||': ['bool'],
  '&&': ['bool'],
  '+': ['number', 'string', 'capsule'],
  '-': ['number'],
  '*': ['number'],
  '/': ['number'],
  '%': ['number'],
  '^': ['number'],
  '<': ['number', 'string'],
  '>': ['number', 'string'],
  '<=': ['number', 'string'],
  '>=': ['number', 'string'],
}

/** Strings meeting secrets become secrets, as Alloy unwraps capsules before a binary operator. */
function unwrapSecrets(l: Value, r: Value): [Value, Value] {
  if (isSecret(l) && typeof r === 'string') return [l, secret(r)]
  if (typeof l === 'string' && isSecret(r)) return [secret(l), r]
  return [l, r]
}

function binary(e: BinaryExpr, lhs: Value, rhs: Value): Value {
  const op = e.op
  if (op === '==') return valuesEqual(lhs, rhs)
  if (op === '!=') return !valuesEqual(lhs, rhs)
  const [l, r] = unwrapSecrets(lhs, rhs)
  const allowed = BINOP_TYPES[op]!
  for (const [v, node] of [
    [l, e.left],
    [r, e.right],
  ] as const) {
    if (!allowed.includes(typeOf(v))) {
      return fail(
        node.span,
        `${exprText(node)} should be one of [${allowed.join(' ')}] for binop ${op}, got ${typeOf(v)}`,
      )
    }
  }
  if (typeOf(l) !== typeOf(r))
    return fail(e.right.span, `${exprText(e.right)} should be ${typeOf(l)}, got ${typeOf(r)}`)
  switch (op) {
    case '||':
      return (l as boolean) || (r as boolean)
    case '&&':
      return (l as boolean) && (r as boolean)
    case '+':
      if (typeof l === 'string') return l + (r as string)
      if (l instanceof Capsule) {
        if (isSecret(l) && isSecret(r)) return secret(l.value + r.value)
        return fail(
          e.left.span,
          `${exprText(e.left)} could not perform binop + for unknown types lhs capsule rhs capsule`,
        )
      }
      return (l as number) + (r as number)
    case '-':
      return (l as number) - (r as number)
    case '*':
      return (l as number) * (r as number)
    case '/':
    case '%':
      if (r === 0) return fail(e.right.span, `${exprText(e.right)} divide by zero error`)
      return op === '/' ? (l as number) / (r as number) : (l as number) % (r as number)
    case '^':
      return (l as number) ** (r as number)
    case '<':
      return (l as number | string) < (r as number | string)
    case '>':
      return (l as number | string) > (r as number | string)
    case '<=':
      return (l as number | string) <= (r as number | string)
    case '>=':
      return (l as number | string) >= (r as number | string)
  }
  return null
}

function call(e: CallExpr, scope: Scope): Value {
  const fn = evalExpr(e.callee, scope)
  if (typeof fn !== 'function')
    return fail(e.callee.span, `${exprText(e.callee)} should be function, got ${typeOf(fn)}`)
  const args = e.args.map((a) => evalExpr(a, scope))
  try {
    const result = fn(...args)
    return result === undefined ? null : result
  } catch (err) {
    if (err instanceof ConfigError) throw err
    if (err instanceof ArgumentError && err.argument !== undefined) {
      const arg = e.args[err.argument]
      if (arg !== undefined) return fail(arg.span, `${exprText(arg)} ${err.message}`)
    }
    const message = err instanceof Error ? err.message : String(err)
    return fail(e.span, `${exprText(e.callee)} ${message}`)
  }
}

/**
 * Every identifier chain an expression refers to, such as
 * `[['prometheus', 'remote_write', 'to_backend', 'receiver']]`, in source order, without chains
 * rooted at a standard-library name (`sys.env`, `string.format`, `constants`, ...).
 */
export function referencesOf(expr: Expr): string[][] {
  const out: string[][] = []
  const walk = (e: Expr): void => {
    const chain = e.kind === 'access' || e.kind === 'identifier' ? chainOf(e) : undefined
    if (chain !== undefined) {
      if (stdlib.lookup([chain.names[0]!]) === undefined) out.push(chain.names)
      return
    }
    switch (e.kind) {
      case 'array':
        e.elements.forEach(walk)
        return
      case 'object':
        for (const f of e.fields) walk(f.value)
        return
      case 'access':
        walk(e.value)
        return
      case 'index':
        walk(e.value)
        walk(e.index)
        return
      case 'call':
        walk(e.callee)
        e.args.forEach(walk)
        return
      case 'unary':
        walk(e.operand)
        return
      case 'binary':
        walk(e.left)
        walk(e.right)
        return
      case 'paren':
        walk(e.inner)
        return
    }
  }
  walk(expr)
  return out
}
