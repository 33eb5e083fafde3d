import { isDeepStrictEqual } from 'node:util'

/**
 * An opaque value of the host, such as a component's receiver, carried through expressions
 * unchanged. `typeName` names what it holds (`secret` is the one the language itself knows).
 */
export class Capsule {
  readonly typeName: string
  readonly value: unknown

  constructor(typeName: string, value: unknown) {
    this.typeName = typeName
    this.value = value
  }
}

/** A function callable from configurations; it throws {@link ArgumentError} for a bad argument. */
export type AlloyFunction = (...args: Value[]) => Value

/** A value of the Alloy language. Numbers are IEEE doubles; objects are plain JavaScript objects. */
export type Value =
  | null
  | boolean
  | number
  | string
  | Value[]
  | { [key: string]: Value }
  | Capsule
  | AlloyFunction

/** Alloy's names of value types, used in messages (`should be number, got string`). */
export type ValueType = 'null' | 'number' | 'string' | 'bool' | 'array' | 'object' | 'function' | 'capsule'

/** What identifiers resolve against: `path` is a whole dotted chain such as `['sys', 'env']`. */
export interface Scope {
  lookup(path: readonly string[]): Value | undefined
}

/**
 * A function's complaint about its input. `argument` is the index of the offending argument, so
 * the diagnostic can point at it; without it the diagnostic points at the call.
 */
export class ArgumentError extends Error {
  readonly argument: number | undefined

  constructor(message: string, argument?: number) {
    super(message)
    this.name = 'ArgumentError'
    this.argument = argument
  }
}

/** The Alloy type of a value. */
export function typeOf(v: Value): ValueType {
  if (v === null) return 'null'
  switch (typeof v) {
    case 'boolean':
      return 'bool'
    case 'number':
      return 'number'
    case 'string':
      return 'string'
    case 'function':
      return 'function'
  }
  if (Array.isArray(v)) return 'array'
  if (v instanceof Capsule) return 'capsule'
  return 'object'
}

/** True for an Alloy object (a plain record, not an array or capsule). */
export function isObject(v: Value): v is { [key: string]: Value } {
  return typeOf(v) === 'object'
}

/** Wraps a secret string: it prints as `(secret)` and only `convert.nonsensitive` unwraps it. */
export function secret(text: string): Capsule {
  return new Capsule('secret', text)
}

/** True for a value made by {@link secret}. */
export function isSecret(v: unknown): v is Capsule & { value: string } {
  return v instanceof Capsule && v.typeName === 'secret' && typeof v.value === 'string'
}

/**
 * Alloy's equality: values of different types are never equal, arrays and objects compare element
 * by element, functions are never equal, capsules compare their contents deeply.
 */
export function valuesEqual(a: Value, b: Value): boolean {
  const t = typeOf(a)
  if (t !== typeOf(b)) return false
  switch (t) {
    case 'array': {
      const x = a as Value[]
      const y = b as Value[]
      return x.length === y.length && x.every((v, i) => valuesEqual(v, y[i]!))
    }
    case 'object': {
      const x = a as { [key: string]: Value }
      const y = b as { [key: string]: Value }
      const keys = Object.keys(x)
      return (
        keys.length === Object.keys(y).length &&
        keys.every((k) => Object.hasOwn(y, k) && valuesEqual(x[k]!, y[k]!))
      )
    }
    case 'function':
      return false
    case 'capsule':
      return isDeepStrictEqual((a as Capsule).value, (b as Capsule).value)
    default:
      return a === b
  }
}
