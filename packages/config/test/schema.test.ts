import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  type Block,
  Capsule,
  decodeBody,
  evaluate,
  parse,
  parseBytes,
  parseDuration,
  referencesOf,
  type Schema,
  type Scope,
  type Statement,
} from '../src/index.ts'

const receiver = new Capsule('receiver', {})
const scope: Scope = {
  lookup: (path) => (path.join('.') === 'prometheus.remote_write.to_backend' ? { receiver } : undefined),
}

const RECEIVE_HTTP: Schema = {
  attrs: { forward_to: { type: { array: 'capsule' }, required: true } },
  blocks: {
    http: {
      schema: {
        attrs: {
          listen_address: { type: 'string', default: '127.0.0.1' },
          listen_port: { type: 'number', default: 8080 },
          server_read_timeout: { type: 'duration', default: 30_000 },
        },
      },
    },
  },
}

describe('decodeBody', () => {
  it("decodes the guide's proxy receiver with types, defaults and references", () => {
    const source = readFileSync(join(import.meta.dirname, 'fixtures', 'proxy-metrics.alloy'), 'utf8')
    const block = parse(source, 'proxy-metrics.alloy').body[0] as Block
    const { value, diagnostics } = decodeBody(block.body, RECEIVE_HTTP, scope, {
      file: 'proxy-metrics.alloy',
    })
    assert.deepEqual(diagnostics, [])
    assert.deepEqual(value, {
      forward_to: [receiver],
      http: { listen_address: '0.0.0.0', listen_port: 12345, server_read_timeout: 30_000 },
    })
  })

  it('decodes multiple and labelled blocks, nested types, bytes, secrets and number/string conversion', () => {
    const schema: Schema = {
      attrs: {
        size: { type: 'bytes' },
        limit: { type: 'number' },
        name: { type: 'string' },
        token: { type: 'secret' },
        labels: { type: { object: 'string' } },
        anything: { type: 'any' },
      },
      blocks: {
        endpoint: { schema: { attrs: { url: { type: 'string', required: true } } }, multiple: true },
        rule: {
          schema: { attrs: { action: { type: 'string', default: 'keep' } } },
          labelled: true,
          multiple: true,
        },
        absent: { schema: {}, multiple: true },
      },
    }
    const src = [
      'size = "32MiB"',
      'limit = "42"',
      'name = 7',
      'token = "t"',
      'labels = { env = "prod", zone = 1 }',
      'anything = [1, "x"]',
      'endpoint { url = "a" }',
      'endpoint { url = "b" }',
      'rule "drop_debug" { action = "drop" }',
      'rule "other" { }',
    ].join('\n')
    const { value, diagnostics } = decodeBody(parse(src, 'f').body, schema, scope, { file: 'f' })
    assert.deepEqual(diagnostics, [])
    assert.deepEqual(value, {
      size: 32 * 1024 * 1024,
      limit: 42,
      name: '7',
      token: 't',
      labels: { env: 'prod', zone: '1' },
      anything: [1, 'x'],
      endpoint: [{ url: 'a' }, { url: 'b' }],
      rule: [
        { action: 'drop', label: 'drop_debug' },
        { action: 'keep', label: 'other' },
      ],
      absent: [],
    })
  })
})

describe('the guide configurations', () => {
  const guide = join(import.meta.dirname, 'fixtures', 'guide')
  for (const name of readdirSync(guide)) {
    it(`parses ${name} as written in the guide and evaluates every attribute`, () => {
      const file = parse(readFileSync(join(guide, name), 'utf8'), name)
      const exports: Scope = { lookup: (path) => (path.length === 3 ? { receiver } : undefined) }
      const walk = (body: Statement[]): number =>
        body.reduce((n, s) => {
          if (s.kind === 'block') return n + walk(s.body)
          for (const ref of referencesOf(s.value))
            assert.equal(ref.length, 4, `${ref.join('.')} names a component export`)
          assert.notEqual(evaluate(s.value, exports), undefined)
          return n + 1
        }, 0)
      assert.ok(walk(file.body) >= 3)
    })
  }
})

describe('units', () => {
  it("parses Go durations into milliseconds with Go's errors", () => {
    assert.deepEqual(parseDuration('1m30s'), { ms: 90_000 })
    assert.deepEqual(parseDuration('500ms'), { ms: 500 })
    assert.deepEqual(parseDuration('1.5h'), { ms: 5_400_000 })
    assert.deepEqual(parseDuration('250us'), { ms: 0.25 })
    assert.deepEqual(parseDuration('0'), { ms: 0 })
    assert.deepEqual(parseDuration('-2s'), { ms: -2000 })
    assert.deepEqual(parseDuration(''), { error: 'time: invalid duration ""' })
    assert.deepEqual(parseDuration('1d'), { error: 'time: unknown unit "d" in duration "1d"' })
    assert.deepEqual(parseDuration('10'), { error: 'time: missing unit in duration "10"' })
    assert.deepEqual(parseDuration('s'), { error: 'time: invalid duration "s"' })
  })

  it('parses byte sizes as powers of 1024, IEC and legacy spellings', () => {
    assert.deepEqual(parseBytes('512B'), { bytes: 512 })
    assert.deepEqual(parseBytes('1KiB'), { bytes: 1024 })
    assert.deepEqual(parseBytes('1.5GiB'), { bytes: 1.5 * 1024 ** 3 })
    assert.deepEqual(parseBytes('2MB'), { bytes: 2 * 1024 ** 2 })
    assert.deepEqual(parseBytes('1MiB512KiB'), { bytes: 1024 ** 2 + 512 * 1024 })
    assert.deepEqual(parseBytes('12'), { error: 'units: missing unit in 12' })
  })
})
