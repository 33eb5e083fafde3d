import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { ConfigError } from '@sluice/config'
import { type ComponentDefinition, ComponentRegistry, Controller } from '@sluice/runtime'
import { nullLogger, Registry } from '@sluice/telemetry'

const dir = mkdtempSync(join(tmpdir(), 'sluice-runtime-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** A log of lifecycle calls, shared by the test components. */
const events: string[] = []

/** `test.source`: exports `value` = its `input` attribute, upper-cased. */
const source: ComponentDefinition<{ input: string }> = {
  name: 'test.source',
  args: { attrs: { input: { type: 'string', required: true } } },
  async build(ctx, args) {
    events.push(`build ${ctx.id} ${args.input}`)
    ctx.setExports({ value: args.input.toUpperCase() })
    return {
      async update(next) {
        events.push(`update ${ctx.id} ${next.input}`)
        ctx.setExports({ value: next.input.toUpperCase() })
      },
      async stop() {
        events.push(`stop ${ctx.id}`)
      },
    }
  },
}

/** `test.sink`: records what it was given. */
const sink: ComponentDefinition<{ from: string; count: number }> = {
  name: 'test.sink',
  args: { attrs: { from: { type: 'string', required: true }, count: { type: 'number', default: 1 } } },
  async build(ctx, args) {
    events.push(`build ${ctx.id} ${args.from}`)
    return {
      async start() {
        events.push(`start ${ctx.id}`)
      },
      async update(next) {
        events.push(`update ${ctx.id} ${next.from}`)
      },
      async stop() {
        events.push(`stop ${ctx.id}`)
      },
    }
  },
}

function controller(): Controller<undefined> {
  const registry = new ComponentRegistry<undefined>().register(source).register(sink)
  return new Controller({
    registry,
    services: undefined,
    logger: nullLogger,
    metrics: new Registry(),
    dataPath: dir,
  })
}

test('components are built in dependency order and evaluated with their references', async () => {
  events.length = 0
  const c = controller()
  await c.apply(
    'test.sink "s" {\n\tfrom = test.source.a.value\n}\n\ntest.source "a" {\n\tinput = "x"\n}\n',
    'a.alloy',
  )
  assert.deepEqual(events, ['build test.source.a x', 'build test.sink.s X', 'start test.sink.s'])
  assert.ok(c.ready())
  await c.stop()
  assert.deepEqual(events.slice(3), ['stop test.sink.s', 'stop test.source.a'])
})

test('a reload keeps unchanged components, updates changed ones and their dependents, stops removed ones', async () => {
  const c = controller()
  await c.apply(
    'test.source "a" {\n\tinput = "x"\n}\n\ntest.sink "s" {\n\tfrom = test.source.a.value\n}\n\ntest.sink "t" {\n\tfrom = "fixed"\n}\n',
    'a.alloy',
  )
  events.length = 0
  await c.apply(
    'test.source "a" {\n\tinput = "y"\n}\n\ntest.sink "s" {\n\tfrom = test.source.a.value\n}\n',
    'a.alloy',
  )
  assert.deepEqual(events, ['update test.source.a y', 'update test.sink.s Y', 'stop test.sink.t'])
  await c.stop()
})

test('a bad config is rejected whole with diagnostics and the running one stays', async () => {
  const c = controller()
  await c.apply('test.source "a" {\n\tinput = "x"\n}\n', 'a.alloy')
  events.length = 0
  await assert.rejects(
    c.apply('test.source "a" {\n\tinput = 1\n}\n\nnope.thing "b" {\n}\n', 'a.alloy'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.match(err.diagnostics.map((d) => d.message).join('\n'), /unrecognized block name "nope.thing"/)
      return true
    },
  )
  assert.deepEqual(events, [])
  assert.deepEqual(
    c.status().map((s) => s.id),
    ['test.source.a'],
  )
  await c.stop()
})

test('reference cycles and references to nothing are reported', () => {
  const registry = new ComponentRegistry<undefined>().register(source).register(sink)
  const cycle = Controller.validate(
    'test.source "a" {\n\tinput = test.source.b.value\n}\n\ntest.source "b" {\n\tinput = test.source.a.value\n}\n',
    'c.alloy',
    registry,
  )
  assert.ok(cycle.some((d) => /cycle/.test(d.message)))
  const missing = Controller.validate(
    'test.sink "s" {\n\tfrom = test.source.zz.value\n}\n',
    'm.alloy',
    registry,
  )
  assert.ok(missing.some((d) => /does not exist or is out of scope/.test(d.message)))
  assert.deepEqual(Controller.validate('test.sink "s" {\n\tfrom = "ok"\n}\n', 'ok.alloy', registry), [])
})

test('a missing required attribute is reported at the block that lacks it', () => {
  const registry = new ComponentRegistry<undefined>().register(source).register(sink)
  const diagnostics = Controller.validate(
    'test.source "a" {\n\tinput = "x"\n}\n\ntest.sink "s" {\n}\n',
    'r.alloy',
    registry,
  )
  assert.equal(diagnostics.length, 1)
  assert.match(diagnostics[0]!.message, /missing required attribute "from"/)
  assert.equal(diagnostics[0]!.span.start.line, 5)
})
