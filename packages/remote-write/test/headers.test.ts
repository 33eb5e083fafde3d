import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { isSluiceError } from '@sluice/contracts'
import { RequestHeaders } from '../src/headers.ts'
import { tempDir } from './helpers/setup.ts'

test('basic auth is sent as an Authorization header', async () => {
  const headers = await new RequestHeaders({ basicAuth: { username: 'u', password: 'p:w' } }).build()
  assert.equal(headers.authorization, `Basic ${Buffer.from('u:p:w').toString('base64')}`)
})

test('the bearer token file is read again for every request', async (t) => {
  const file = join(await tempDir(t), 'token')
  await writeFile(file, 'one\n')
  const headers = new RequestHeaders({ bearerTokenFile: file })
  assert.equal((await headers.build()).authorization, 'Bearer one')
  await writeFile(file, 'two')
  assert.equal((await headers.build()).authorization, 'Bearer two')
})

test('headers the protocol sets, and conflicting auth options, are refused', () => {
  for (const name of ['Content-Encoding', 'authorization', 'X-Prometheus-Remote-Write-Version']) {
    assert.throws(
      () => new RequestHeaders({ headers: { [name]: 'x' } }),
      (err) => isSluiceError(err, 'SLUICE_ERR_REMOTE_WRITE_OPTIONS'),
    )
  }
  assert.throws(
    () => new RequestHeaders({ bearerToken: 'a', basicAuth: { username: 'u', password: 'p' } }),
    (err) => isSluiceError(err, 'SLUICE_ERR_REMOTE_WRITE_OPTIONS'),
  )
})
