import assert from 'node:assert/strict'
import { hostname } from 'node:os'
import { describe, it } from 'node:test'
import {
  Capsule,
  ConfigError,
  evaluate,
  isSecret,
  parseExpression,
  referencesOf,
  type Scope,
  secret,
  stdlib,
  type Value,
} from '../src/index.ts'

const receiver = new Capsule('receiver', { id: 'rw' })
const vars = new Map<string, Value>([
  ['prometheus.remote_write.default', { receiver }],
  ['discovery.static.targets', [{ __address__: 'a:1' }, { __address__: 'b:2' }]],
  ['local.file.token.content', secret('s3cr3t')],
  ['port', 9090],
])
const scope: Scope = { lookup: (path) => vars.get(path.join('.')) }
const ev = (src: string): Value => evaluate(parseExpression(src), scope)

describe('evaluate', () => {
  it('evaluates literals, with Go string escapes and octal integers', () => {
    assert.deepEqual(ev('[1, 1.5, .5, 1e3, 010, true, null]'), [1, 1.5, 0.5, 1000, 8, true, null])
    assert.equal(ev('"tab\\tq\\"\\u00e9\\x41\\101\\xc3\\xa9"'), 'tab\tq"éAAé')
    assert.equal(ev('`raw\\n`'), 'raw\\n')
  })

  it('evaluates arithmetic, comparison and logic with Alloy precedence', () => {
    assert.equal(ev('1 + 2 * 3 - 4 % 3'), 6)
    assert.equal(ev('2 ^ 3 ^ 2'), 512)
    assert.equal(ev('-(2 + 3)'), -5)
    assert.equal(ev('"a" + "b" == "ab" && !(1 > 2) || false'), true)
    assert.equal(ev('"abc" < "abd"'), true)
    assert.equal(ev('[1, {a = 2}] == [1, {a = 2}]'), true)
    assert.equal(ev('1 == "1"'), false)
  })

  it('resolves component references by the whole chain and reads fields after it', () => {
    assert.equal(ev('prometheus.remote_write.default.receiver'), receiver)
    assert.equal(ev('discovery.static.targets[1].__address__'), 'b:2')
    assert.equal(ev('discovery.static.targets[0]["__address__"]'), 'a:1')
    assert.equal(ev('{a = 1}["missing"]'), null)
    assert.equal(ev('"http://host:" + string.format("%d", port)'), 'http://host:9090')
  })

  it('concatenates secrets with strings into secrets and unwraps them with convert.nonsensitive', () => {
    const v = ev('"Bearer " + local.file.token.content')
    assert.ok(isSecret(v))
    assert.equal(v.value, 'Bearer s3cr3t')
    assert.equal(ev('convert.nonsensitive(local.file.token.content)'), 's3cr3t')
  })

  it('throws ConfigError at the failing sub-expression', () => {
    const cases: [string, string, number][] = [
      ['missing_var', 'identifier "missing_var" does not exist', 1],
      ['sys.nope', 'field "nope" does not exist', 5],
      ['1 + true', 'true should be one of [number string capsule] for binop +, got bool', 5],
      ['[1][5]', '5 index 5 is out of range of array with length 1', 5],
      ['!1', '1 should be bool, got number', 2],
      ['1 / 0', '0 divide by zero error', 5],
      ['"s"()', '"s" should be function, got string', 1],
      ['port.x', 'port cannot access field "x" on value of type number', 1],
      [
        'encoding.from_json("{")',
        '"{" Expected property name or \'}\' in JSON at position 1 (line 1 column 2)',
        20,
      ],
    ]
    for (const [src, message, column] of cases) {
      try {
        ev(src)
        assert.fail(`expected ${src} to fail`)
      } catch (err) {
        assert.ok(err instanceof ConfigError, src)
        assert.equal(err.diagnostics[0]?.message, message, src)
        assert.equal(err.diagnostics[0]?.span.start.column, column, src)
      }
    }
  })

  it('wraps a failing host function in ConfigError', () => {
    const hostScope: Scope = {
      lookup: (p) =>
        p.join('.') === 'boom'
          ? () => {
              throw new TypeError('host failure')
            }
          : undefined,
    }
    assert.throws(() => evaluate(parseExpression('boom()'), hostScope), {
      name: 'ConfigError',
      message: ':1:1: boom host failure'.slice(1),
    })
  })

  it('lists references without standard-library names', () => {
    const e = parseExpression(
      'array.concat([prometheus.remote_write.a.receiver], discovery.x.y.targets)[0] + sys.env("A") + f(b.c).d',
    )
    assert.deepEqual(referencesOf(e), [
      ['prometheus', 'remote_write', 'a', 'receiver'],
      ['discovery', 'x', 'y', 'targets'],
      ['f'],
      ['b', 'c'],
    ])
  })
})

describe('stdlib', () => {
  it('reads the environment through sys.env and the deprecated env', () => {
    process.env.SLUICE_CFG_TEST = 'v1'
    assert.equal(ev('sys.env("SLUICE_CFG_TEST")'), 'v1')
    assert.equal(ev('env("SLUICE_CFG_TEST")'), 'v1')
    assert.equal(ev('sys.env("SLUICE_CFG_UNSET_VAR")'), '')
  })

  it('provides constants', () => {
    assert.equal(ev('constants.hostname'), hostname())
    assert.ok(['linux', 'darwin', 'windows'].includes(ev('constants.os') as string))
    assert.equal(typeof ev('constants.arch'), 'string')
  })

  it('implements the string namespace and its old aliases', () => {
    assert.equal(
      ev('string.format("%s=%d %q %v %5.2f|%-3s|%03d", "a", 7, "q", [1, 2], 3.14159, "x", 5)'),
      'a=7 "q" [1 2]  3.14|x  |005',
    )
    assert.equal(ev('format("%s %d", "x")'), 'x %!d(MISSING)')
    assert.equal(ev('format("%d", "x")'), '%!d(string=x)')
    assert.equal(ev('string.join(["a", "b"], "-")'), 'a-b')
    assert.deepEqual(ev('split("/a/b", "/")'), ['', 'a', 'b'])
    assert.equal(ev('string.replace("aXbX", "X", "-")'), 'a-b-')
    assert.equal(ev('to_lower("AbC") + string.to_upper("x")'), 'abcX')
    assert.equal(ev('trim("?!hello?!", "!?")'), 'hello')
    assert.equal(ev('string.trim_prefix("prefix_x", "prefix_")'), 'x')
    assert.equal(ev('trim_suffix("x.log", ".log")'), 'x')
    assert.equal(ev('string.trim_space("\\t x \\n")'), 'x')
  })

  it('implements arrays, coalesce and encodings', () => {
    assert.deepEqual(ev('concat([1], [2, 3], [])'), [1, 2, 3])
    assert.deepEqual(ev('array.concat()'), [])
    assert.equal(ev('coalesce("", [], 0, "x")'), 'x')
    assert.equal(ev('coalesce("", false)'), false)
    assert.equal(ev('coalesce()'), null)
    assert.deepEqual(
      ev('array.combine_maps([{a = 1, x = "l"}], [{a = 1, y = "r"}, {a = 2, y = "n"}], ["a"])'),
      [{ a: 1, x: 'l', y: 'r' }],
    )
    assert.deepEqual(ev('encoding.from_json("{\\"a\\": [1, true]}")'), { a: [1, true] })
    assert.deepEqual(ev('json_decode("[1]")'), [1])
    assert.equal(ev('encoding.to_json({b = 1, a = "<"})'), '{"a":"\\u003c","b":1}')
    assert.equal(ev('encoding.to_base64("string123!?$*&()\'-=@~")'), 'c3RyaW5nMTIzIT8kKiYoKSctPUB+')
    assert.equal(ev('encoding.from_URLbase64("c3RyaW5nMTIzIT8kKiYoKSctPUB-")'), "string123!?$*&()'-=@~")
    assert.equal(ev('base64_decode("Zm9v")'), 'foo')
    assert.equal(ev('encoding.url_encode("a b&c")'), 'a+b%26c')
    assert.equal(ev('encoding.url_decode("a+b%26c")'), 'a b&c')
    assert.equal(ev('file.path_join("/etc", "", "alloy/", "x.alloy")'), '/etc/alloy/x.alloy')
  })

  it('resolves standard-library names by dotted path', () => {
    assert.equal(typeof stdlib.lookup(['string', 'format']), 'function')
    assert.equal(stdlib.lookup(['string', 'nope']), undefined)
    assert.equal(stdlib.lookup([]), undefined)
  })
})
