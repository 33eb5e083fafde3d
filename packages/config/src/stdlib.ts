import { hostname } from 'node:os'
import { posix } from 'node:path'
import { sprintf } from './sprintf.ts'
import {
  type AlloyFunction,
  ArgumentError,
  isObject,
  isSecret,
  type Scope,
  typeOf,
  type Value,
  type ValueType,
  valuesEqual,
} from './value.ts'

function expectArgs(args: Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`
    throw new ArgumentError(`expected ${want} argument${max === 1 ? '' : 's'}, got ${args.length}`)
  }
}

function wrongType(v: Value, expected: ValueType, i: number): ArgumentError {
  return new ArgumentError(`should be ${expected}, got ${typeOf(v)}`, i)
}

/** A string argument; numbers convert to strings, as Alloy's decoder does. */
function str(args: Value[], i: number): string {
  const v = args[i]!
  if (typeof v === 'string') return v
  if (typeof v === 'number') return String(v)
  throw wrongType(v, 'string', i)
}

function arr(args: Value[], i: number): Value[] {
  const v = args[i]!
  if (!Array.isArray(v)) throw wrongType(v, 'array', i)
  return v
}

function strings(args: Value[], i: number): string[] {
  return arr(args, i).map((v, j) => {
    if (typeof v === 'string') return v
    throw new ArgumentError(`[${j}] should be string, got ${typeOf(v)}`, i)
  })
}

/** A function of string arguments returning a string (most of the string namespace). */
function strFn(arity: number, f: (...s: string[]) => Value): AlloyFunction {
  return (...args) => {
    expectArgs(args, arity)
    return f(...args.map((_, i) => str(args, i)))
  }
}

/** Go's unicode.IsSpace set, for trim_space. */
const SPACE =
  '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000'

function trimSet(s: string, cutset: string, left: boolean, right: boolean): string {
  const chars = [...s]
  const cut = new Set(cutset)
  let a = 0
  let b = chars.length
  while (left && a < b && cut.has(chars[a]!)) a++
  while (right && b > a && cut.has(chars[b - 1]!)) b--
  return chars.slice(a, b).join('')
}

/** Go's strings.Split: an empty separator splits into characters. */
function split(s: string, sep: string): string[] {
  return sep === '' ? [...s] : s.split(sep)
}

/** A JSON document as Alloy values. */
function fromJSON(text: string): Value {
  try {
    return JSON.parse(text) as Value
  } catch (err) {
    throw new ArgumentError((err as Error).message, 0)
  }
}

/** Go's json.Marshal for a map: keys sorted, `<`, `>` and `&` escaped. */
function toJSON(v: Value): string {
  const sortKeys = (x: Value): unknown => {
    if (Array.isArray(x)) return x.map(sortKeys)
    if (isObject(x)) {
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(x).sort()) out[k] = sortKeys(x[k]!)
      return out
    }
    if (isSecret(x)) return x.value
    return x
  }
  return JSON.stringify(sortKeys(v)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

function base64Decode(text: string, alphabet: 'base64' | 'base64url'): string {
  const valid = alphabet === 'base64' ? /^[A-Za-z0-9+/]*={0,2}$/ : /^[A-Za-z0-9_-]*={0,2}$/
  if (!valid.test(text) || text.length % 4 !== 0) throw new ArgumentError('illegal base64 data', 0)
  return Buffer.from(text, alphabet).toString('utf8')
}

/** Go's url.QueryEscape: spaces become `+`, everything but `A-Za-z0-9-_.~` is percent-encoded. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')
}

function queryUnescape(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '))
  } catch {
    throw new ArgumentError(`invalid URL escape in ${JSON.stringify(s)}`, 0)
  }
}

/** Go's filepath.Join on Unix: empty elements are skipped, the result is cleaned. */
function pathJoin(...parts: string[]): string {
  const kept = parts.filter((p) => p !== '')
  return kept.length === 0 ? '' : posix.normalize(kept.join('/')).replace(/(.)\/$/, '$1')
}

/** Alloy's zero test for coalesce: null, false, 0, "", [] and {} are empty. */
function isEmpty(v: Value): boolean {
  if (v === null || v === false || v === 0 || v === '') return true
  if (Array.isArray(v)) return v.length === 0
  if (isObject(v)) return Object.keys(v).length === 0
  return false
}

const concat: AlloyFunction = (...args) => args.flatMap((_, i) => arr(args, i))

const coalesce: AlloyFunction = (...args) => {
  for (const a of args) if (!isEmpty(a)) return a
  return args.length === 0 ? null : args[args.length - 1]!
}

/** array.combine_maps(lhs, rhs, keys, passthrough?): joins objects of two arrays that agree on `keys`. */
const combineMaps: AlloyFunction = (...args) => {
  expectArgs(args, 3, 4)
  const lhs = arr(args, 0)
  const rhs = arr(args, 1)
  for (const [side, list] of [
    [0, lhs],
    [1, rhs],
  ] as const) {
    list.forEach((v) => {
      if (!isObject(v)) throw wrongType(v, 'object', side)
    })
  }
  const keys = strings(args, 2)
  if (keys.length === 0) throw new ArgumentError('combine_maps: merge conditions must not be empty', 2)
  const passthrough = args[3] ?? false
  if (typeof passthrough !== 'boolean') throw wrongType(passthrough, 'bool', 3)
  const out: Value[] = []
  for (const l of lhs as { [key: string]: Value }[]) {
    for (const r of rhs as { [key: string]: Value }[]) {
      const match = keys.every((k) => Object.hasOwn(l, k) && Object.hasOwn(r, k) && valuesEqual(l[k]!, r[k]!))
      if (match) out.push({ ...l, ...r })
      else if (passthrough) out.push(l)
    }
  }
  return out
}

const nonsensitive: AlloyFunction = (...args) => {
  expectArgs(args, 1)
  const v = args[0]!
  if (isSecret(v)) return v.value
  if (typeof v === 'string') return v
  throw wrongType(v, 'capsule', 0)
}

const env = strFn(1, (name) => process.env[name!] ?? '')

const GO_OS: Record<string, string> = { win32: 'windows', sunos: 'solaris' }
const GO_ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm: 'arm',
  arm64: 'arm64',
  ppc64: 'ppc64le',
}

const stringFns: { [key: string]: Value } = {
  format: (...args) => {
    if (args.length === 0) throw new ArgumentError('expected at least 1 argument, got 0')
    return sprintf(str(args, 0), args.slice(1))
  },
  join: (...args) => {
    expectArgs(args, 2)
    return strings(args, 0).join(str(args, 1))
  },
  replace: strFn(3, (s, from, to) => s!.replaceAll(from!, to!)),
  split: strFn(2, (s, sep) => split(s!, sep!)),
  to_lower: strFn(1, (s) => s!.toLowerCase()),
  to_upper: strFn(1, (s) => s!.toUpperCase()),
  trim: strFn(2, (s, cut) => trimSet(s!, cut!, true, true)),
  trim_prefix: strFn(2, (s, p) => (s!.startsWith(p!) ? s!.slice(p!.length) : s!)),
  trim_suffix: strFn(2, (s, p) => (p !== '' && s!.endsWith(p!) ? s!.slice(0, s!.length - p!.length) : s!)),
  trim_space: strFn(1, (s) => trimSet(s!, SPACE, true, true)),
}

const encodingFns: { [key: string]: Value } = {
  from_json: strFn(1, (s) => fromJSON(s!)),
  from_base64: strFn(1, (s) => base64Decode(s!, 'base64')),
  from_URLbase64: strFn(1, (s) => base64Decode(s!, 'base64url')),
  to_json: (...args) => {
    expectArgs(args, 1)
    if (!isObject(args[0]!)) throw new ArgumentError('jsonEncode only supports map')
    return toJSON(args[0]!)
  },
  to_base64: strFn(1, (s) => Buffer.from(s!, 'utf8').toString('base64')),
  to_URLbase64: strFn(1, (s) => {
    const b = Buffer.from(s!, 'utf8').toString('base64url')
    return b + '='.repeat((4 - (b.length % 4)) % 4)
  }),
  url_encode: strFn(1, (s) => queryEscape(s!)),
  url_decode: strFn(1, (s) => queryUnescape(s!)),
}

/**
 * The standard library as Alloy names it. Namespaced functions are current; the bare names
 * (`env`, `concat`, `format`, `join`, ...) are Alloy's deprecated aliases, still accepted.
 * Not provided: `json_path`, `encoding.from_yaml`/`yaml_decode`, `array.group_by`.
 */
const LIBRARY: { [key: string]: Value } = {
  constants: {
    hostname: hostname(),
    os: GO_OS[process.platform] ?? process.platform,
    arch: GO_ARCH[process.arch] ?? process.arch,
    version: 'v0.1.0',
  },
  coalesce,
  sys: { env },
  convert: { nonsensitive },
  array: { concat, combine_maps: combineMaps },
  encoding: encodingFns,
  string: stringFns,
  file: { path_join: (...args) => pathJoin(...args.map((_, i) => str(args, i))) },
  env,
  nonsensitive,
  concat,
  json_decode: encodingFns.from_json!,
  base64_decode: encodingFns.from_base64!,
  format: stringFns.format!,
  join: stringFns.join!,
  replace: stringFns.replace!,
  split: stringFns.split!,
  to_lower: stringFns.to_lower!,
  to_upper: stringFns.to_upper!,
  trim: stringFns.trim!,
  trim_prefix: stringFns.trim_prefix!,
  trim_suffix: stringFns.trim_suffix!,
  trim_space: stringFns.trim_space!,
}

/** Names resolvable in the standard library by dotted path: `['sys', 'env']`, `['constants']`. */
export const stdlib: Scope = {
  lookup(path: readonly string[]): Value | undefined {
    let v: Value | undefined = LIBRARY
    for (const name of path) {
      if (v === undefined || !isObject(v) || !Object.hasOwn(v, name)) return undefined
      v = v[name]
    }
    return path.length === 0 ? undefined : v
  },
}
