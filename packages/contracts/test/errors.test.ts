import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError, SluiceError } from '@sluice/contracts'

test('a SluiceError keeps its code, status and cause, and is recognised by code', () => {
  const cause = new Error('root')
  const err = new SluiceError('SLUICE_ERR_X', 'broken', { status: 413, cause })
  assert.equal(err.code, 'SLUICE_ERR_X')
  assert.equal(err.status, 413)
  assert.equal(err.cause, cause)
  assert.ok(isSluiceError(err, 'SLUICE_ERR_X'))
  assert.ok(!isSluiceError(err, 'SLUICE_ERR_Y'))
  assert.ok(!isSluiceError(new Error('plain')))
  assert.equal(new SluiceError('SLUICE_ERR_X', 'no status').status, 500)
})
