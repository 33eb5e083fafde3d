import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compareLabelNames, sortLabels } from '@sluice/contracts'

test('label names sort in UTF-8 byte order, as Prometheus sorts them', () => {
  assert.ok(compareLabelNames('__name__', 'a') < 0)
  assert.ok(compareLabelNames('job', 'instance') > 0)
  assert.equal(compareLabelNames('x', 'x'), 0)
  assert.ok(compareLabelNames('a', 'ab') < 0)
  // U+1F600 (a surrogate pair in UTF-16) is above U+FFFD in code point and in UTF-8 byte order.
  assert.ok(compareLabelNames('\u{1F600}', '\uFFFD') > 0)
  const labels = [
    { name: 'job', value: 'node' },
    { name: '__name__', value: 'up' },
    { name: 'instance', value: 'a:1' },
  ]
  assert.equal(sortLabels(labels), labels)
  assert.deepEqual(
    labels.map((l) => l.name),
    ['__name__', 'instance', 'job'],
  )
})
