import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  Capsule,
  ConfigError,
  decodeBody,
  parse,
  renderDiagnostics,
  type Schema,
  type Scope,
  type Value,
} from '../src/index.ts'

/** Parses with Alloy's strictness and returns the rendered diagnostics, one string per line. */
function syntaxErrors(source: string): string[] {
  try {
    parse(source, 'test.alloy', { strict: true })
  } catch (err) {
    assert.ok(err instanceof ConfigError, 'parse throws ConfigError')
    assert.equal(err.code, 'SLUICE_ERR_CONFIG')
    assert.equal(err.status, 400)
    return renderDiagnostics(err.diagnostics, source).split('\n').slice(0, -1)
  }
  assert.fail('expected a syntax error')
}

// Positions and messages below were checked against Alloy's own parser (same line:col and text).
const SYNTAX_CASES: [string, string, string[]][] = [
  [
    'unterminated string',
    'a = "abc\nb = 1\n',
    ['test.alloy:1:5: string literal not terminated', '1 | a = "abc', '  |     ^^^^'],
  ],
  [
    'unterminated raw string',
    'a = `abc\n',
    ['test.alloy:1:5: string literal not terminated', '1 | a = `abc', '  |     ^^^^'],
  ],
  [
    'unterminated block comment',
    'a = 1\n/* never closed\n',
    ['test.alloy:2:1: block comment not terminated', '2 | /* never closed', '  | ^^^^^^^^^^^^^^^'],
  ],
  [
    'unknown escape',
    'a = "\\q"\n',
    ['test.alloy:1:7: unknown escape sequence', '1 | a = "\\q"', '  |       ^'],
  ],
  [
    'illegal character in escape',
    'a = "\\xZZ"\n',
    ["test.alloy:1:7: illegal character U+005A 'Z' in escape sequence", '1 | a = "\\xZZ"', '  |       ^'],
  ],
  [
    'escape is a surrogate',
    'a = "\\uD800"\n',
    ['test.alloy:1:7: escape sequence is invalid Unicode code point', '1 | a = "\\uD800"', '  |       ^^^^^'],
  ],
  [
    'escape not terminated',
    'a = "\\',
    [
      'test.alloy:1:5: string literal not terminated',
      '1 | a = "\\',
      '  |     ^^',
      'test.alloy:1:7: escape sequence not terminated',
      '1 | a = "\\',
      '  |       ^',
    ],
  ],
  [
    'single-quoted string',
    "a = 'x'\n",
    [
      'test.alloy:1:5: illegal single-quoted string; use double quotes',
      "1 | a = 'x'",
      '  |     ^',
      'test.alloy:1:5: expected expression, got ILLEGAL',
      "1 | a = 'x'",
      '  |     ^^^',
    ],
  ],
  [
    'illegal character',
    'a = 1 # not a comment\n',
    [
      "test.alloy:1:7: illegal character U+0023 '#'",
      '1 | a = 1 # not a comment',
      '  |       ^',
      'test.alloy:1:7: expected TERMINATOR, got ILLEGAL',
      '1 | a = 1 # not a comment',
      '  |       ^',
    ],
  ],
  [
    'missing second |',
    'a = true | false\n',
    ['test.alloy:1:11: missing second | in ||', '1 | a = true | false', '  |           ^'],
  ],
  [
    'missing second &',
    'a = true & false\n',
    ['test.alloy:1:11: missing second & in &&', '1 | a = true & false', '  |           ^'],
  ],
  [
    'exponent without digits',
    'a = 1e\n',
    ['test.alloy:1:5: exponent has no digits', '1 | a = 1e', '  |     ^^'],
  ],
  [
    'missing = after attribute name',
    'a 1\n',
    ['test.alloy:1:3: expected block label, got NUMBER', '1 | a 1', '  |   ^'],
  ],
  [
    'name alone on a line',
    'blk {\n\tname\n}\n',
    [
      'test.alloy:2:6: expected block label, got TERMINATOR',
      '2 |     name',
      '  |         ^',
      'test.alloy:3:1: expected attribute assignment or block body, got }',
      '3 | }',
      '  | ^',
      'test.alloy:4:1: expected TERMINATOR, got EOF',
      '4 | ',
      '  | ^',
    ],
  ],
  ['unclosed block', 'blk {\n\ta = 1\n', ['test.alloy:3:1: expected }, got EOF', '3 | ', '  | ^']],
  [
    'dotted attribute name',
    'a.b = 1\n',
    [
      'test.alloy:1:1: attribute names may only consist of a single identifier with no "."',
      '1 | a.b = 1',
      '  | ^^^',
    ],
  ],
  [
    'attribute with a label',
    'a "l" = 1\n',
    ['test.alloy:1:3: attribute names may not have labels', '1 | a "l" = 1', '  |   ^^^'],
  ],
  [
    'identifier as block label',
    'blk bad {\n}\n',
    ['test.alloy:1:5: expected block label, got IDENT', '1 | blk bad {', '  |     ^^^'],
  ],
  [
    'label that is not an identifier',
    'blk "with space" {\n}\n',
    [
      'test.alloy:1:5: expected block label to be a valid identifier, but got "with space"',
      '1 | blk "with space" {',
      '  |     ^^^^^^^^^^^^',
    ],
  ],
  [
    'raw string as block label',
    'blk `x` {\n}\n',
    [
      'test.alloy:1:5: expected block label to be a double quoted string, but got "`x`"',
      '1 | blk `x` {',
      '  |     ^^^',
    ],
  ],
  [
    'operator without operand',
    'a = 1 + + 2\n',
    ['test.alloy:1:9: expected expression, got +', '1 | a = 1 + + 2', '  |         ^'],
  ],
  [
    'keyword after dot',
    'a = b.true\n',
    ['test.alloy:1:7: expected IDENT, got BOOL', '1 | a = b.true', '  |       ^^^^'],
  ],
  [
    'missing comma in array',
    'a = [1 2]\n',
    ["test.alloy:1:8: missing ',' in expression list", '1 | a = [1 2]', '  |        ^'],
  ],
  [
    'missing comma in object',
    'a = { x = 1 y = 2 }\n',
    ["test.alloy:1:13: missing ',' in field list", '1 | a = { x = 1 y = 2 }', '  |             ^'],
  ],
  [
    'number as object key',
    'a = {\n\t1 = 2,\n}\n',
    ['test.alloy:2:2: expected field name (string or identifier), got NUMBER', '2 |     1 = 2,', '  |     ^'],
  ],
  [
    'block assigned to attribute',
    'rw = prometheus.remote_write "x" {\n}\n',
    [
      'test.alloy:1:6: cannot use a block as an expression',
      '1 | rw = prometheus.remote_write "x" {',
      '  |      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
    ],
  ],
  [
    'two statements on one line',
    'a = 1 b = 2\n',
    ['test.alloy:1:7: expected TERMINATOR, got IDENT', '1 | a = 1 b = 2', '  |       ^'],
  ],
  ['stray closing brace', '}\n', ['test.alloy:1:1: expected identifier, got }', '1 | }', '  | ^']],
  [
    'missing identifier after dot in block name',
    'blk. {\n}\n',
    [
      'test.alloy:1:6: expected identifier, got {',
      '1 | blk. {',
      '  |      ^',
      'test.alloy:2:1: expected block label, got }',
      '2 | }',
      '  | ^',
    ],
  ],
  [
    'NUL character',
    'a = "x\u0000"\n',
    ['test.alloy:1:7: illegal character NUL', '1 | a = "x\u0000"', '  |       ^'],
  ],
  [
    'byte order mark inside the file',
    'a = 1\n﻿b = 2\n',
    [
      'test.alloy:2:1: illegal byte order mark',
      '2 | ﻿b = 2',
      '  | ^',
      'test.alloy:2:1: expected identifier, got ILLEGAL',
      '2 | ﻿b = 2',
      '  | ^',
    ],
  ],
  ['unclosed call', 'a = f(1,\n', ['test.alloy:2:1: expected ), got EOF', '2 | ', '  | ^']],
  [
    'unclosed paren',
    'a = (1 + 2\n',
    ['test.alloy:1:11: expected ), got TERMINATOR', '1 | a = (1 + 2', '  |           ^'],
  ],
  ['missing value', 'a =\n', ['test.alloy:2:1: expected expression, got EOF', '2 | ', '  | ^']],
  [
    'several errors in one file',
    "a = \"x\nb = [1 2]\nc = 'y'\n",
    [
      'test.alloy:1:5: string literal not terminated',
      '1 | a = "x',
      '  |     ^^',
      "test.alloy:2:8: missing ',' in expression list",
      '2 | b = [1 2]',
      '  |        ^',
      'test.alloy:3:5: illegal single-quoted string; use double quotes',
      "3 | c = 'y'",
      '  |     ^',
      'test.alloy:3:5: expected expression, got ILLEGAL',
      "3 | c = 'y'",
      '  |     ^^^',
    ],
  ],
]

describe('syntax errors', () => {
  for (const [name, source, expected] of SYNTAX_CASES) {
    it(`reports ${name} with Alloy's message, position and a caret line`, () => {
      assert.deepEqual(syntaxErrors(source), expected)
    })
  }

  it('summarises the first diagnostic and the count in the error message', () => {
    assert.throws(() => parse('a = [1 2]\nb = (\n', 'cfg.alloy'), {
      name: 'ConfigError',
      message: "cfg.alloy:1:8: missing ',' in expression list (and 1 more diagnostics)",
    })
  })

  it('tolerates a missing trailing comma before a closing bracket, with a warning', () => {
    const source = 'targets = [{\n\t__address__ = "localhost:9100"\n}]\n'
    const file = parse(source, 'edge.alloy')
    assert.deepEqual(renderDiagnostics(file.warnings, source).split('\n'), [
      "edge.alloy:2:32: warning: missing ',' in field list (tolerated; 'sluice fmt' adds it)",
      '2 |     __address__ = "localhost:9100"',
      '  |                                   ^',
      '',
    ])
    assert.deepEqual(syntaxErrors(source), [
      "test.alloy:2:32: missing ',' in field list",
      '2 |     __address__ = "localhost:9100"',
      '  |                                   ^',
    ])
  })
})

const SCHEMA: Schema = {
  attrs: {
    listen_port: { type: 'number', required: true },
    listen_address: { type: 'string', default: '0.0.0.0' },
    timeout: { type: 'duration', default: 30_000 },
    max_size: { type: 'bytes' },
    tags: { type: { array: 'string' } },
    forward_to: { type: { array: 'capsule' } },
  },
  blocks: {
    endpoint: { schema: { attrs: { url: { type: 'string', required: true } } }, multiple: true },
    tls: { schema: { attrs: { insecure: { type: 'bool' } } } },
    rule: { schema: {}, labelled: true, multiple: true },
  },
}

const receiver = new Capsule('receiver', { id: 1 })
const scope: Scope = {
  lookup: (path) =>
    new Map<string, Value>([['prometheus.remote_write.default', { receiver }]]).get(path.join('.')),
}

/** Decodes the body of the single block in `source` and renders every diagnostic. */
function schemaErrors(source: string): string[] {
  const file = parse(source, 'c.alloy')
  const block = file.body[0]
  assert.ok(block?.kind === 'block')
  const { diagnostics } = decodeBody(block.body, SCHEMA, scope, { file: 'c.alloy', span: block.nameSpan })
  return renderDiagnostics(diagnostics, source).split('\n').slice(0, -1)
}

const wrap = (body: string) => `prometheus.receive_http "x" {\n\tlisten_port = 1\n${body}\n}\n`

const SCHEMA_CASES: [string, string, string[]][] = [
  [
    'an unknown attribute',
    wrap('\tlisten_prot = 1'),
    [
      'c.alloy:3:2: unrecognized attribute name "listen_prot"',
      '3 |     listen_prot = 1',
      '  |     ^^^^^^^^^^^',
    ],
  ],
  [
    'a wrong type, naming expected and actual types',
    'prometheus.receive_http "x" {\n\tlisten_port = "abc"\n}\n',
    [
      'c.alloy:2:16: "abc" should be number, got string',
      '2 |     listen_port = "abc"',
      '  |                   ^^^^^',
    ],
  ],
  [
    'a missing required attribute at the enclosing block name',
    'prometheus.receive_http "x" {\n}\n',
    [
      'c.alloy:1:1: missing required attribute "listen_port"',
      '1 | prometheus.receive_http "x" {',
      '  | ^^^^^^^^^^^^^^^^^^^^^^^',
    ],
  ],
  [
    'a duplicate attribute',
    wrap('\tlisten_port = 2'),
    [
      'c.alloy:3:2: attribute "listen_port" may only be provided once',
      '3 |     listen_port = 2',
      '  |     ^^^^^^^^^^^',
    ],
  ],
  [
    'a duplicate single block',
    wrap('\ttls { }\n\ttls { }'),
    ['c.alloy:4:2: block "tls" may only be specified once', '4 |     tls { }', '  |     ^^^'],
  ],
  [
    'an unknown block',
    wrap('\ttsl { }'),
    ['c.alloy:3:2: unrecognized block name "tsl"', '3 |     tsl { }', '  |     ^^^'],
  ],
  [
    'an attribute written as a block',
    wrap('\tlisten_address { }'),
    [
      'c.alloy:3:2: "listen_address" must be an attribute, but is used as a block',
      '3 |     listen_address { }',
      '  |     ^^^^^^^^^^^^^^',
    ],
  ],
  [
    'a block written as an attribute',
    wrap('\ttls = 1'),
    ['c.alloy:3:2: "tls" must be a block, but is used as an attribute', '3 |     tls = 1', '  |     ^^^'],
  ],
  [
    'a block that needs a label',
    wrap('\trule { }'),
    ['c.alloy:3:2: block "rule" requires non-empty label', '3 |     rule { }', '  |     ^^^^^^'],
  ],
  [
    'a label on a block that takes none',
    wrap('\ttls "a" { }'),
    [
      'c.alloy:3:2: block "tls" does not support specifying labels',
      '3 |     tls "a" { }',
      '  |     ^^^^^^^^^',
    ],
  ],
  [
    'an unknown duration unit, in Go words',
    wrap('\ttimeout = "5 minutes"'),
    [
      'c.alloy:3:12: "5 minutes" time: unknown unit " minutes" in duration "5 minutes"',
      '3 |     timeout = "5 minutes"',
      '  |               ^^^^^^^^^^^',
    ],
  ],
  [
    'a duration without unit',
    wrap('\ttimeout = 15'),
    ['c.alloy:3:12: 15 time: missing unit in duration "15"', '3 |     timeout = 15', '  |               ^^'],
  ],
  [
    'an unknown byte unit',
    wrap('\tmax_size = "12XB"'),
    [
      'c.alloy:3:13: "12XB" units: unknown unit XB in 12XB',
      '3 |     max_size = "12XB"',
      '  |                ^^^^^^',
    ],
  ],
  [
    'a wrong array element at the element itself',
    wrap('\ttags = ["a", true]'),
    [
      'c.alloy:3:15: true should be string, got bool',
      '3 |     tags = ["a", true]',
      '  |                  ^^^^',
    ],
  ],
  [
    'a missing attribute inside a nested block',
    wrap('\tendpoint {\n\t}'),
    ['c.alloy:3:2: missing required attribute "url"', '3 |     endpoint {', '  |     ^^^^^^^^'],
  ],
  [
    'a reference to a component that does not exist',
    wrap('\tforward_to = [prometheus.remote_write.other.receiver]'),
    [
      'c.alloy:3:16: component "prometheus.remote_write.other.receiver" does not exist or is out of scope',
      '3 |     forward_to = [prometheus.remote_write.other.receiver]',
      '  |                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
    ],
  ],
  [
    'a missing export of a component',
    wrap('\tforward_to = [prometheus.remote_write.default.reciever]'),
    [
      'c.alloy:3:48: field "reciever" does not exist',
      '3 |     forward_to = [prometheus.remote_write.default.reciever]',
      '  |                                                   ^^^^^^^^',
    ],
  ],
  [
    'a stdlib call with the wrong arity',
    wrap('\tlisten_address = sys.env("A", "B")'),
    [
      'c.alloy:3:19: sys.env expected 1 argument, got 2',
      '3 |     listen_address = sys.env("A", "B")',
      '  |                      ^^^^^^^^^^^^^^^^^',
    ],
  ],
  [
    'mixed operand types',
    wrap('\tlisten_address = "host:" + 9090'),
    [
      'c.alloy:3:29: 9090 should be string, got number',
      '3 |     listen_address = "host:" + 9090',
      '  |                                ^^^^',
    ],
  ],
]

describe('schema and evaluation errors', () => {
  for (const [name, source, expected] of SCHEMA_CASES) {
    it(`reports ${name}`, () => {
      assert.deepEqual(schemaErrors(source), expected)
    })
  }

  it('collects every schema problem of a body in one pass', () => {
    const source = wrap('\tlisten_prot = 1\n\ttls = 1\n\ttimeout = "1d"\n\trule { }')
    const headers = schemaErrors(source).filter((l) => l.startsWith('c.alloy'))
    assert.deepEqual(headers, [
      'c.alloy:3:2: unrecognized attribute name "listen_prot"',
      'c.alloy:4:2: "tls" must be a block, but is used as an attribute',
      'c.alloy:5:12: "1d" time: unknown unit "d" in duration "1d"',
      'c.alloy:6:2: block "rule" requires non-empty label',
    ])
  })
})
