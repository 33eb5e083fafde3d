import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { ShardIndex } from '../src/shard-index.ts'

test('the shard index behaves as a FIFO of records with running totals, across growth and wrap-around', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant('shift' as const), fc.nat(1000)), { maxLength: 300 }),
      (ops) => {
        const index = new ShardIndex()
        const model: { seq: number; bytes: number; samples: number }[] = []
        let seq = 0
        for (const op of ops) {
          if (op === 'shift') {
            if (model.length === 0) continue
            const expected = model.shift()!
            assert.deepEqual(index.shift(), [expected.seq, expected.bytes, expected.samples])
          } else {
            seq += 1
            index.push(seq, op, op % 7, seq * 10)
            model.push({ seq, bytes: op, samples: op % 7 })
          }
          assert.equal(index.length, model.length)
          assert.equal(index.lastSeq(), model.at(-1)?.seq ?? -1)
          assert.equal(
            index.totalBytes,
            model.reduce((sum, r) => sum + r.bytes, 0),
          )
          assert.equal(
            index.totalSamples,
            model.reduce((sum, r) => sum + r.samples, 0),
          )
          if (model.length > 0) {
            assert.equal(index.firstSeq(), model[0]!.seq)
            assert.equal(index.firstAppendedAt(), model[0]!.seq * 10)
          }
        }
      },
    ),
  )
})
