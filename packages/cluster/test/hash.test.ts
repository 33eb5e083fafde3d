import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hashString64 } from '../src/hash.ts'

function fnv(key: string): string {
  const out = new Uint32Array(2)
  hashString64(key, out)
  return out[0]!.toString(16).padStart(8, '0') + out[1]!.toString(16).padStart(8, '0')
}

test('hashString64 is FNV-1a 64 (published test vectors)', () => {
  assert.equal(fnv(''), 'cbf29ce484222325')
  assert.equal(fnv('a'), 'af63dc4c8601ec8c')
  assert.equal(fnv('foobar'), '85944171f73967e8')
})

test('hashString64 hashes the UTF-8 bytes, so equal strings agree whatever their origin', () => {
  const bigint = (key: string) => {
    let h = 0xcbf29ce484222325n
    for (const b of new TextEncoder().encode(key))
      h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn
    return h.toString(16).padStart(16, '0')
  }
  for (const key of ['{job="node",instance="10.0.0.1:9100"}', 'héllo wörld ✓', '🚀'.repeat(40)]) {
    assert.equal(fnv(key), bigint(key))
  }
})
