import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoEntry, SeriesMemo } from '../src/series-memo.ts'

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b)

describe('SeriesMemo', () => {
  it('returns an entry only when the label bytes match, so a hash collision is a miss', () => {
    const memo = new SeriesMemo(10)
    const entry = new MemoEntry(7, bytes(1, 2, 3), 0, [])
    memo.set(7, 9, entry)
    const buf = bytes(0, 1, 2, 3, 4)
    assert.equal(memo.get(7, 9, buf, 1, 4), entry)
    assert.equal(memo.get(7, 9, buf, 2, 5), undefined, 'same hash, other bytes')
    assert.equal(memo.get(7, 9, buf, 1, 3), undefined, 'same hash, shorter bytes')
    // Same low 21 bits of hi (the map key) but a different hi.
    assert.equal(memo.get(7 + 0x200000, 9, buf, 1, 4), undefined)
  })

  it('holds at most its bound and keeps entries still in use', () => {
    const memo = new SeriesMemo(100)
    const hot = new MemoEntry(1, bytes(1), 0, [])
    memo.set(1, 1, hot)
    for (let i = 2; i < 1000; i++) {
      memo.set(i, i, new MemoEntry(i, bytes(i & 0xff), 0, []))
      assert.equal(memo.get(1, 1, bytes(1), 0, 1), hot)
      assert.ok(memo.size <= 100)
    }
  })
})
