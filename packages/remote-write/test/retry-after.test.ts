import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseRetryAfter } from '../src/index.ts'

test('Retry-After in delay-seconds becomes milliseconds', () => {
  assert.equal(parseRetryAfter('120'), 120_000)
  assert.equal(parseRetryAfter(' 0 '), 0)
  assert.equal(parseRetryAfter(['3', '9']), 3000)
})

test('Retry-After as an HTTP date becomes the wait until that date, never negative', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', now), 5000)
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0)
})

test('a missing or unreadable Retry-After gives no wait', () => {
  assert.equal(parseRetryAfter(undefined), undefined)
  assert.equal(parseRetryAfter(''), undefined)
  assert.equal(parseRetryAfter('soon'), undefined)
  assert.equal(parseRetryAfter('-5'), undefined)
})
