/**
 * The Alloy configuration language: parser, canonical printer (`alloy fmt` output), evaluator,
 * standard library and schema decoding for component arguments.
 */
export type * from './ast.ts'
export { ConfigError, type Diagnostic, location, renderDiagnostics } from './diagnostics.ts'
export { evaluate, referencesOf } from './evaluate.ts'
export { format, printExpr, printFile } from './format.ts'
export { isValidIdentifier, type ParseOptions, parse, parseExpression } from './parser.ts'
export type { Position, Span } from './position.ts'
export {
  type AttrSpec,
  type BlockSpec,
  type DecodeContext,
  decodeBody,
  type Schema,
  type TypeSpec,
} from './schema.ts'
export { stdlib } from './stdlib.ts'
export { parseBytes, parseDuration } from './units.ts'
export {
  type AlloyFunction,
  ArgumentError,
  Capsule,
  isSecret,
  type Scope,
  secret,
  typeOf,
  type Value,
  type ValueType,
  valuesEqual,
} from './value.ts'
