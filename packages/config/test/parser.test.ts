import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Attribute, type Block, type Expr, parse, parseExpression } from '../src/index.ts'

/** The expression tree without positions, to compare shapes. */
function shape(e: Expr): unknown {
  switch (e.kind) {
    case 'literal':
      return e.raw
    case 'identifier':
      return e.name
    case 'array':
      return e.elements.map(shape)
    case 'object':
      return Object.fromEntries(e.fields.map((f) => [f.name, shape(f.value)]))
    case 'access':
      return ['.', shape(e.value), e.name]
    case 'index':
      return ['[]', shape(e.value), shape(e.index)]
    case 'call':
      return ['call', shape(e.callee), ...e.args.map(shape)]
    case 'unary':
      return [e.op, shape(e.operand)]
    case 'binary':
      return [e.op, shape(e.left), shape(e.right)]
    case 'paren':
      return ['()', shape(e.inner)]
  }
}

const expr = (src: string) => shape(parseExpression(src))

describe('parser', () => {
  it('parses blocks with dotted names and labels, and attributes', () => {
    const file = parse(
      'prometheus.remote_write "default" {\n\tendpoint {\n\t\turl = "http://x"\n\t}\n}\nlevel = "info"\n',
      'f',
    )
    const [block, attr] = file.body as [Block, Attribute]
    assert.equal(block.kind, 'block')
    assert.equal(block.name, 'prometheus.remote_write')
    assert.equal(block.label, 'default')
    assert.deepEqual(block.span.start, { offset: 0, line: 1, column: 1 })
    assert.deepEqual(block.span.end, { offset: 71, line: 5, column: 2 })
    const inner = block.body[0] as Block
    assert.equal(inner.name, 'endpoint')
    assert.equal(inner.label, undefined)
    assert.equal((inner.body[0] as Attribute).name, 'url')
    assert.equal(attr.kind, 'attribute')
    assert.equal(attr.name, 'level')
    assert.deepEqual(attr.nameSpan.start, { offset: 72, line: 6, column: 1 })
  })

  it('parses literals: numbers, floats, strings, raw strings, booleans, null', () => {
    assert.deepEqual(expr('[1, 1.5, .5, 1e3, 2.5E-3, "s\\n", `r\\n`, true, false, null]'), [
      '1',
      '1.5',
      '.5',
      '1e3',
      '2.5E-3',
      '"s\\n"',
      '`r\\n`',
      'true',
      'false',
      'null',
    ])
  })

  it('applies Alloy precedence: || < && < comparisons < + - < * / % < ^ (right-associative)', () => {
    assert.deepEqual(expr('a || b && c == d + e * f ^ g ^ h'), [
      '||',
      'a',
      ['&&', 'b', ['==', 'c', ['+', 'd', ['*', 'e', ['^', 'f', ['^', 'g', 'h']]]]]],
    ])
    assert.deepEqual(expr('1 - 2 - 3'), ['-', ['-', '1', '2'], '3'])
    assert.deepEqual(expr('-a ^ 2'), ['^', ['-', 'a'], '2'])
    assert.deepEqual(expr('!(a < b)'), ['!', ['()', ['<', 'a', 'b']]])
  })

  it('parses access, index and call chains', () => {
    assert.deepEqual(expr('a.b[0]["k"](1, 2,).c'), [
      '.',
      ['call', ['[]', ['[]', ['.', 'a', 'b'], '0'], '"k"'], '1', '2'],
      'c',
    ])
  })

  it('parses arrays and objects with trailing commas, newlines and quoted keys', () => {
    assert.deepEqual(expr('[\n\t1,\n\t[2],\n]'), ['1', ['2']])
    assert.deepEqual(expr('{\n\ta = 1,\n\t"b c" = { d = [] },\n}'), { a: '1', 'b c': { d: [] } })
    const obj = parseExpression('{ "q" = 1, k = 2 }')
    assert.ok(obj.kind === 'object')
    assert.deepEqual(
      obj.fields.map((f) => [f.name, f.quoted]),
      [
        ['q', true],
        ['k', false],
      ],
    )
  })

  it('keeps comments in groups with their positions', () => {
    const file = parse('// one\n// two\n\n/* three */\na = 1 // four\n', 'f')
    assert.deepEqual(
      file.comments.map((g) => g.map((c) => [c.text, c.span.start.line])),
      [
        [
          ['// one', 1],
          ['// two', 2],
        ],
        [['/* three */', 4]],
        [['// four', 5]],
      ],
    )
  })

  it('treats an empty label as no label and accepts a byte order mark at the start', () => {
    const file = parse('\ufeffblk "" {\n}\n', 'f')
    assert.equal((file.body[0] as Block).label, undefined)
  })

  it('rejects nesting deep enough to exhaust the stack, with a diagnostic', () => {
    assert.throws(() => parse(`a = ${'['.repeat(5000)}`, 'f'), {
      name: 'ConfigError',
      message: /nests deeper than 200 levels/,
    })
    assert.throws(() => parse(`a = b${'.c'.repeat(3000)}`, 'f'), {
      name: 'ConfigError',
      message: /1000 levels/,
    })
  })
})
