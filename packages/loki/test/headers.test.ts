import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '@sluice/contracts'
import { LokiHeaders } from '../src/headers.ts'

test('Loki requests carry the protobuf content type, the tenant and auth, and no content encoding', async () => {
  const headers = await new LokiHeaders({
    tenantId: 'team-a',
    bearerToken: 't',
    headers: { 'X-Extra': '1' },
  }).build()
  assert.equal(headers['content-type'], 'application/x-protobuf')
  assert.equal(headers['x-scope-orgid'], 'team-a')
  assert.equal(headers.authorization, 'Bearer t')
  assert.equal(headers['x-extra'], '1')
  assert.match(headers['user-agent']!, /^Sluice\//)
  assert.equal(headers['content-encoding'], undefined)
})

test('the tenant header and protocol headers cannot be configured, and one auth method at most', () => {
  for (const name of ['X-Scope-OrgID', 'Content-Type', 'Authorization']) {
    assert.throws(
      () => new LokiHeaders({ headers: { [name]: 'x' } }),
      (err: unknown) => isSluiceError(err, 'SLUICE_ERR_LOKI_OPTIONS'),
    )
  }
  assert.throws(
    () => new LokiHeaders({ bearerToken: 'a', basicAuth: { username: 'u', password: 'p' } }),
    (err: unknown) => isSluiceError(err, 'SLUICE_ERR_LOKI_OPTIONS'),
  )
})
