import type { Block, Expr, Statement } from './ast.ts'
import { ConfigError, type Diagnostic } from './diagnostics.ts'
import { evaluate } from './evaluate.ts'
import { exprText } from './exprtext.ts'
import type { Span } from './position.ts'
import { parseBytes, parseDuration } from './units.ts'
import { Capsule, isObject, isSecret, type Scope, typeOf, type Value } from './value.ts'

/**
 * The type of an attribute. `duration` reads Go duration strings into milliseconds, `bytes` reads
 * sizes such as `"32MiB"` into bytes, `secret` accepts strings and secrets and yields the string.
 */
export type TypeSpec =
  | 'string'
  | 'number'
  | 'bool'
  | 'duration'
  | 'bytes'
  | 'any'
  | 'capsule'
  | 'secret'
  | { array: TypeSpec }
  | { object: TypeSpec }

export interface AttrSpec {
  type: TypeSpec
  required?: boolean
  /** Filled in when the attribute is absent. */
  default?: Value
}

export interface BlockSpec {
  schema: Schema
  /** Several blocks of this name may appear; the value is then an array. */
  multiple?: boolean
  required?: boolean
  /** The block takes a label, delivered as the `label` key of its value. */
  labelled?: boolean
}

/** The arguments a component (or a nested block) accepts. */
export type Schema = { attrs?: Record<string, AttrSpec>; blocks?: Record<string, BlockSpec> }

/** Where the body sits: its file, and the span to blame for missing attributes (the enclosing block). */
export interface DecodeContext {
  file: string
  span?: Span
}

class Decoder {
  readonly diagnostics: Diagnostic[] = []
  readonly #scope: Scope

  constructor(scope: Scope) {
    this.#scope = scope
  }

  error(span: Span, message: string): void {
    this.diagnostics.push({ severity: 'error', message, span })
  }

  body(body: Statement[], schema: Schema, owner: Span): Record<string, unknown> {
    const attrs = schema.attrs ?? {}
    const blocks = schema.blocks ?? {}
    const out: Record<string, unknown> = {}
    const seen = new Set<string>()
    for (const stmt of body) {
      if (stmt.kind === 'attribute') {
        const spec = Object.hasOwn(attrs, stmt.name) ? attrs[stmt.name]! : undefined
        if (spec === undefined) {
          const message = Object.hasOwn(blocks, stmt.name)
            ? `${JSON.stringify(stmt.name)} must be a block, but is used as an attribute`
            : `unrecognized attribute name ${JSON.stringify(stmt.name)}`
          this.error(stmt.nameSpan, message)
          continue
        }
        if (seen.has(stmt.name)) {
          this.error(stmt.nameSpan, `attribute ${JSON.stringify(stmt.name)} may only be provided once`)
          continue
        }
        seen.add(stmt.name)
        const value = this.#evaluate(stmt.value)
        if (value !== undefined) {
          const converted = this.#convert(value, spec.type, stmt.value, '')
          if (converted !== undefined) out[stmt.name] = converted.value
        }
        continue
      }
      this.#block(stmt, blocks, attrs, seen, out)
    }
    for (const [name, spec] of Object.entries(attrs)) {
      if (seen.has(name)) continue
      if (spec.required) this.error(owner, `missing required attribute ${JSON.stringify(name)}`)
      else if (spec.default !== undefined) out[name] = defaultValue(spec)
    }
    for (const [name, spec] of Object.entries(blocks)) {
      if (seen.has(name)) continue
      if (spec.required) this.error(owner, `missing required block ${JSON.stringify(name)}`)
      else if (spec.multiple) out[name] = []
    }
    return out
  }

  #block(
    b: Block,
    blocks: Record<string, BlockSpec>,
    attrs: Record<string, AttrSpec>,
    seen: Set<string>,
    out: Record<string, unknown>,
  ): void {
    const spec = Object.hasOwn(blocks, b.name) ? blocks[b.name]! : undefined
    // Alloy blames label problems on the header, from the name to the opening brace.
    const l = b.lcurly
    const header: Span = {
      file: b.span.file,
      start: b.span.start,
      end: { offset: l.offset + 1, line: l.line, column: l.column + 1 },
    }
    if (spec === undefined) {
      const message = Object.hasOwn(attrs, b.name)
        ? `${JSON.stringify(b.name)} must be an attribute, but is used as a block`
        : `unrecognized block name ${JSON.stringify(b.name)}`
      this.error(b.nameSpan, message)
      return
    }
    if (spec.labelled && b.label === undefined) {
      this.error(header, `block ${JSON.stringify(b.name)} requires non-empty label`)
      return
    }
    if (!spec.labelled && b.label !== undefined) {
      this.error(header, `block ${JSON.stringify(b.name)} does not support specifying labels`)
      return
    }
    if (!spec.multiple && seen.has(b.name)) {
      this.error(b.nameSpan, `block ${JSON.stringify(b.name)} may only be specified once`)
      return
    }
    seen.add(b.name)
    const value = this.body(b.body, spec.schema, b.nameSpan)
    if (spec.labelled) value.label = b.label
    if (!spec.multiple) out[b.name] = value
    else if (Array.isArray(out[b.name])) (out[b.name] as unknown[]).push(value)
    else out[b.name] = [value]
  }

  #evaluate(e: Expr): Value | undefined {
    try {
      return evaluate(e, this.#scope)
    } catch (err) {
      if (err instanceof ConfigError) {
        this.diagnostics.push(...err.diagnostics)
        return undefined
      }
      throw err
    }
  }

  #mismatch(node: Expr, path: string, expected: string, v: Value): undefined {
    this.error(node.span, `${exprText(node)}${path} should be ${expected}, got ${typeOf(v)}`)
    return undefined
  }

  /** Converts `v` (the value of `node`, at `path` inside it) to `type`; undefined after a diagnostic. */
  #convert(v: Value, type: TypeSpec, node: Expr, path: string): { value: unknown } | undefined {
    if (typeof type === 'object') {
      if ('array' in type) {
        if (!Array.isArray(v)) return this.#mismatch(node, path, 'array', v)
        const items: unknown[] = []
        let ok = true
        v.forEach((item, i) => {
          const sub = node.kind === 'array' && node.elements[i] !== undefined
          const r = this.#convert(
            item,
            type.array,
            sub ? node.elements[i]! : node,
            sub ? '' : `${path}[${i}]`,
          )
          if (r === undefined) ok = false
          else items.push(r.value)
        })
        return ok ? { value: items } : undefined
      }
      if (!isObject(v)) return this.#mismatch(node, path, 'object', v)
      const fields: Record<string, unknown> = {}
      let ok = true
      for (const [key, item] of Object.entries(v)) {
        const field = node.kind === 'object' ? node.fields.find((f) => f.name === key) : undefined
        const r = this.#convert(item, type.object, field?.value ?? node, field ? '' : `${path}.${key}`)
        if (r === undefined) ok = false
        else fields[key] = r.value
      }
      return ok ? { value: fields } : undefined
    }
    switch (type) {
      case 'any':
        return { value: v }
      case 'string':
        if (typeof v === 'string') return { value: v }
        if (typeof v === 'number') return { value: String(v) }
        return this.#mismatch(node, path, 'string', v)
      case 'secret':
        if (typeof v === 'string') return { value: v }
        if (isSecret(v)) return { value: v.value }
        if (typeof v === 'number') return { value: String(v) }
        return this.#mismatch(node, path, 'string', v)
      case 'number':
        if (typeof v === 'number') return { value: v }
        // Alloy converts numeric strings to numbers.
        if (typeof v === 'string' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v))
          return { value: Number(v) }
        return this.#mismatch(node, path, 'number', v)
      case 'bool':
        if (typeof v === 'boolean') return { value: v }
        return this.#mismatch(node, path, 'bool', v)
      case 'capsule':
        if (v instanceof Capsule || typeof v === 'function') return { value: v }
        return this.#mismatch(node, path, 'capsule', v)
      case 'duration': {
        if (typeof v !== 'string' && typeof v !== 'number') return this.#mismatch(node, path, 'string', v)
        const r = parseDuration(String(v))
        if ('error' in r) {
          this.error(node.span, `${exprText(node)}${path} ${r.error}`)
          return undefined
        }
        return { value: r.ms }
      }
      case 'bytes': {
        if (typeof v === 'number') return { value: v }
        if (typeof v !== 'string') return this.#mismatch(node, path, 'string', v)
        const r = parseBytes(v)
        if ('error' in r) {
          this.error(node.span, `${exprText(node)}${path} ${r.error}`)
          return undefined
        }
        return { value: r.bytes }
      }
    }
  }
}

/**
 * Decodes a block body against a schema, collecting every problem in one pass: unknown or
 * duplicate attributes and blocks, wrong types (`"abc" should be number, got string`), bad
 * durations or sizes, missing required attributes and blocks (blamed on `context.span`, the
 * enclosing block), and evaluation errors. Absent attributes take their defaults; absent
 * `multiple` blocks are empty arrays.
 */
export function decodeBody(
  body: Statement[],
  schema: Schema,
  scope: Scope,
  context: DecodeContext,
): { value: Record<string, unknown>; diagnostics: Diagnostic[] } {
  const d = new Decoder(scope)
  const zero = { offset: 0, line: 1, column: 1 }
  const owner = context.span ?? body[0]?.span ?? { file: context.file, start: zero, end: zero }
  const value = d.body(body, schema, owner)
  return { value, diagnostics: d.diagnostics }
}

/**
 * A default as the decoded value: durations and sizes may be written in a schema as they are in a
 * config (`"30s"`, `"1MiB"`) and arrive converted, like a value a user wrote.
 */
function defaultValue(spec: AttrSpec): unknown {
  const value = spec.default
  if (typeof value === 'string' && spec.type === 'duration') {
    const r = parseDuration(value)
    if ('error' in r) throw new Error(`schema default ${JSON.stringify(value)}: ${r.error}`)
    return r.ms
  }
  if (typeof value === 'string' && spec.type === 'bytes') {
    const r = parseBytes(value)
    if ('error' in r) throw new Error(`schema default ${JSON.stringify(value)}: ${r.error}`)
    return r.bytes
  }
  return structuredClone(value)
}
