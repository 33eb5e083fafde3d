import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { parseDuration, runFlags } from '@sluice/sluice'

const root = new URL('../../..', import.meta.url).pathname
const bin = join(root, 'apps/sluice/bin/sluice.js')

function sluice(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function examples(): string[] {
  const dirs = [join(root, 'examples'), join(root, 'examples/seed'), join(root, 'deploy/compose')]
  return dirs.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.alloy'))
      .map((f) => join(d, f)),
  )
}

test('sluice fmt prints every example unchanged (they are kept in canonical form)', () => {
  const files = examples()
  assert.ok(files.length >= 6)
  for (const file of files) {
    const r = sluice('fmt', file)
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, readFileSync(file, 'utf8'), file)
  }
})

test('sluice validate accepts the seed and example configurations', () => {
  for (const file of examples()) {
    const r = sluice('validate', file)
    assert.equal(r.status, 0, `${file}: ${r.stderr}`)
  }
})

test('sluice validate on a broken file exits non-zero with file:line:column and a caret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'))
  const file = join(dir, 'broken.alloy')
  writeFileSync(file, 'prometheus.remote_write "x" {\n\tendpoint {\n\t\turl = true\n\t}\n\tbogus = true\n}\n')
  const r = sluice('validate', file)
  assert.equal(r.status, 1)
  assert.match(r.stderr, new RegExp(`${file}:3:\\d+: true should be string, got bool`))
  assert.match(r.stderr, new RegExp(`${file}:5:2: .*bogus`))
  assert.match(r.stderr, /\^/)
})

test('--version and --help answer, an unknown command is a usage error', () => {
  assert.match(sluice('--version').stdout, /^sluice \d+\.\d+\.\d+/)
  assert.match(sluice('--help').stdout, /sluice run CONFIG|run CONFIG/)
  assert.equal(sluice('frobnicate', 'x').status, 2)
})

test('durations on the command line use Go syntax', () => {
  assert.equal(parseDuration('x', '1m30s'), 90_000)
  assert.equal(parseDuration('x', '500ms'), 500)
  assert.equal(parseDuration('x', '0'), 0)
  assert.throws(() => parseDuration('cluster.wait-timeout', '5 minutes'), /invalid duration/)
})

test('--cluster.crash-hold defaults to 30 s and takes a duration, 0s turning the pause off', () => {
  assert.equal(runFlags({}, 'x.alloy').cluster.crashHoldMs, 30_000)
  assert.equal(runFlags({ 'cluster.crash-hold': '0s' }, 'x.alloy').cluster.crashHoldMs, 0)
  assert.throws(() => runFlags({ 'cluster.crash-hold': 'soon' }, 'x.alloy'), /invalid duration/)
})

test('--pipeline.threads sizes the worker pool: unset means the available parallelism, else 1 to 256', () => {
  assert.equal(runFlags({}, 'x.alloy').pipelineThreads, undefined)
  assert.equal(runFlags({ 'pipeline.threads': '1' }, 'x.alloy').pipelineThreads, 1)
  assert.equal(runFlags({ 'pipeline.threads': '256' }, 'x.alloy').pipelineThreads, 256)
  for (const bad of ['0', '257', '1.5', 'two', ''])
    assert.throws(() => runFlags({ 'pipeline.threads': bad }, 'x.alloy'), {
      code: 'SLUICE_ERR_FLAG',
      message: /--pipeline.threads: want a whole number from 1 to 256/,
    })
})
