import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type Attribute,
  ConfigError,
  evaluate,
  format,
  parse,
  type Scope,
  type Statement,
} from '../src/index.ts'
import { alloySource, mutatedSource } from './generators.ts'

const scope: Scope = { lookup: (path) => (path[0] === 'x' ? { y: [1, 2] } : undefined) }

/** Runs `f`; anything it throws must be a ConfigError with at least one diagnostic. */
function onlyConfigErrors(f: () => void): void {
  try {
    f()
  } catch (err) {
    assert.ok(err instanceof ConfigError, `unexpected ${String(err)}`)
    assert.ok(err.diagnostics.length > 0)
  }
}

function attributes(body: Statement[]): Attribute[] {
  return body.flatMap((s) => (s.kind === 'attribute' ? [s] : attributes(s.body)))
}

/** Parses, formats and evaluates every attribute of `src`. */
function exercise(src: string): void {
  onlyConfigErrors(() => format(src, 'fuzz.alloy'))
  onlyConfigErrors(() => {
    for (const attr of attributes(parse(src, 'fuzz.alloy').body))
      onlyConfigErrors(() => evaluate(attr.value, scope))
  })
}

describe('robustness', () => {
  it('throws nothing but ConfigError on random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), exercise), { numRuns: 500 })
  })

  it('throws nothing but ConfigError on random Alloy-like token soup', () => {
    const token = fc.constantFrom(
      'a',
      '.',
      '=',
      '"s"',
      '`r`',
      '{',
      '}',
      '[',
      ']',
      '(',
      ')',
      ',',
      '\n',
      ' ',
      '1',
      '/*',
      '*/',
      '//',
      '+',
      '!',
      '^',
      '-',
      '"\\',
      "'",
    )
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (ts) => exercise(ts.join(''))),
      { numRuns: 500 },
    )
  })

  it('throws nothing but ConfigError on mutated valid configurations', () => {
    fc.assert(fc.property(mutatedSource, exercise), { numRuns: 300 })
  })

  it('parses and evaluates generated valid configurations without internal errors', () => {
    fc.assert(
      fc.property(alloySource(), (src) => {
        parse(src, 'gen.alloy')
        exercise(src)
      }),
      { numRuns: 200 },
    )
  })
})
