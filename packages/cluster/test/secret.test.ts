import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ClusterConfigError, dataPlaneToken, generateSecret, readSecretFile } from '../src/index.ts'

test('a generated secret reads back from its file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cluster-'))
  const secret = generateSecret()
  await writeFile(join(dir, 'swarm.key'), secret)
  assert.deepEqual(new Uint8Array(await readSecretFile(join(dir, 'swarm.key'))), secret)
})

test('readSecretFile rejects a missing file and a malformed key with a config error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cluster-'))
  await assert.rejects(readSecretFile(join(dir, 'absent')), ClusterConfigError)
  const upper = new TextDecoder().decode(generateSecret()).toUpperCase()
  for (const [name, text] of [
    ['short', '/key/swarm/psk/1.0.0/\n/base16/\nabcd\n'],
    ['header', `/key/swarm/psk/2.0.0/\n/base16/\n${'ab'.repeat(32)}`],
    ['upper', upper],
  ] as const) {
    await writeFile(join(dir, name), text)
    await assert.rejects(readSecretFile(join(dir, name)), (err: unknown) => {
      assert.ok(err instanceof ClusterConfigError)
      assert.equal(err.code, 'SLUICE_ERR_CLUSTER_CONFIG')
      return true
    })
  }
})

test('the data-plane token is the same for the same secret, differs between secrets, and is absent without one', () => {
  const a = generateSecret()
  const b = generateSecret()
  assert.equal(dataPlaneToken(a), dataPlaneToken(new Uint8Array(a)))
  assert.notEqual(dataPlaneToken(a), dataPlaneToken(b))
  assert.match(dataPlaneToken(a)!, /^[A-Za-z0-9_-]{43}$/)
  assert.equal(dataPlaneToken(undefined), undefined)
})
