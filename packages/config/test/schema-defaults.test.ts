import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Block, decodeBody, parse, stdlib } from '@sluice/config'

test('duration and size defaults written as strings arrive converted, like values a user wrote', () => {
  const block = parse('x {\n\tgiven = "2s"\n}\n', 'd.alloy').body[0] as Block
  const { value, diagnostics } = decodeBody(
    block.body,
    {
      attrs: {
        given: { type: 'duration', default: '1s' },
        wait: { type: 'duration', default: '1m30s' },
        size: { type: 'bytes', default: '1MiB' },
        plain: { type: 'duration', default: 500 },
      },
    },
    stdlib,
    { file: 'd.alloy' },
  )
  assert.deepEqual(diagnostics, [])
  assert.deepEqual(value, { given: 2000, wait: 90_000, size: 1_048_576, plain: 500 })
})
