import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Counter, createLogger, nullLogger, Registry } from '@sluice/telemetry'

test('the null logger is silent and the default logger honours its level', () => {
  assert.equal(nullLogger.level, 'silent')
  assert.equal(createLogger({ level: 'warn' }).level, 'warn')
})

test('metrics registered on a registry are exposed in text format', async () => {
  const registry = new Registry()
  new Counter({ name: 'sluice_probe_total', help: 'probe', registers: [registry] }).inc(3)
  assert.match(await registry.metrics(), /^sluice_probe_total 3$/m)
})
