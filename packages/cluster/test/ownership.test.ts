import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hashLabels } from '@sluice/wire'
import fc from 'fast-check'
import { hashString64 } from '../src/hash.ts'
import { OwnershipSnapshotError, OwnershipTable } from '../src/index.ts'

const u32 = fc.integer({ min: 0, max: 0xffffffff })
const keyHash = fc.tuple(u32, u32)
const memberIds = (min: number, max: number) =>
  fc.uniqueArray(fc.string({ minLength: 1, maxLength: 60 }), { minLength: min, maxLength: max })

function table(idList: readonly string[]): OwnershipTable {
  return new OwnershipTable(idList.map((id) => ({ id, name: `name-${id}`, dataUrl: `http://${id}` })))
}

function ownerId(t: OwnershipTable, [hi, lo]: [number, number]): string | undefined {
  return t.members[t.ownerIndexOfHash(hi, lo)]?.id
}

/** 20 000 well-spread key hashes, fixed so the fractions below do not vary between runs. */
const sampleKeys: [number, number][] = Array.from({ length: 20_000 }, (_, i) => {
  const out = new Uint32Array(2)
  hashString64(`{instance="10.0.${i >> 8}.${i & 255}:9100",job="node"}`, out)
  return [out[0]!, out[1]!]
})

test('every key has exactly one owner among the members, the same whatever order they are given in', () => {
  fc.assert(
    fc.property(memberIds(1, 20), fc.array(keyHash, { minLength: 1, maxLength: 50 }), (idList, keys) => {
      const t = table(idList)
      const reversed = table([...idList].reverse())
      for (const key of keys) {
        const index = t.ownerIndexOfHash(key[0], key[1])
        assert.ok(Number.isInteger(index) && index >= 0 && index < idList.length)
        assert.equal(ownerId(reversed, key), t.members[index]!.id)
      }
      assert.equal(reversed.version, t.version)
    }),
  )
})

test('a table without members owns nothing', () => {
  assert.equal(table([]).ownerIndexOfHash(1, 2), -1)
  assert.equal(table([]).ownerOfKey('target'), -1)
})

test('adding a member moves keys only to the new member', () => {
  fc.assert(
    fc.property(memberIds(2, 12), keyHash, (idList, key) => {
      const [newcomer, ...rest] = idList
      const before = ownerId(table(rest), key)
      const after = ownerId(table(idList), key)
      assert.ok(after === before || after === newcomer)
    }),
  )
})

test('removing a member moves only the keys it owned', () => {
  fc.assert(
    fc.property(memberIds(2, 12), keyHash, (idList, key) => {
      const [gone, ...rest] = idList
      const before = ownerId(table(idList), key)
      const after = ownerId(table(rest), key)
      if (before !== gone) assert.equal(after, before)
      else assert.notEqual(after, gone)
    }),
  )
})

test('a join moves about 1/N of the keys and a table balances them evenly', () => {
  fc.assert(
    fc.property(memberIds(4, 11), (idList) => {
      const [newcomer, ...rest] = idList
      const small = table(rest)
      const big = table(idList)
      let moved = 0
      const counts = new Map<string, number>()
      for (const key of sampleKeys) {
        const after = ownerId(big, key)!
        if (after !== ownerId(small, key)) moved++
        counts.set(after, (counts.get(after) ?? 0) + 1)
      }
      const n = idList.length
      assert.ok(
        Math.abs(moved / sampleKeys.length - 1 / n) < 0.04,
        `moved ${moved} of ${sampleKeys.length}, N=${n}`,
      )
      assert.equal(counts.size, n)
      const mean = sampleKeys.length / n
      assert.ok(
        Math.max(...counts.values()) / mean < 1.25,
        `max ${Math.max(...counts.values())} vs mean ${mean}`,
      )
      assert.ok(counts.has(newcomer!))
    }),
    { numRuns: 15 },
  )
})

test('the table survives toPlain, a structured clone and from', () => {
  fc.assert(
    fc.property(memberIds(0, 15), fc.array(keyHash, { maxLength: 30 }), fc.string(), (idList, keys, key) => {
      const t = table(idList)
      const copy = OwnershipTable.from(structuredClone(t.toPlain()))
      assert.equal(copy.version, t.version)
      assert.deepEqual(copy.members, t.members)
      for (const k of keys) assert.equal(copy.ownerIndexOfHash(k[0], k[1]), t.ownerIndexOfHash(k[0], k[1]))
      assert.equal(copy.ownerOfKey(key), t.ownerOfKey(key))
    }),
  )
})

test('from rejects snapshots that are not a table', () => {
  const plain = table(['a', 'b']).toPlain()
  for (const bad of [
    null,
    42,
    { ...plain, ids: 'a' },
    { ...plain, names: ['x'] },
    { ...plain, version: 1 },
  ]) {
    assert.throws(() => OwnershipTable.from(bad), OwnershipSnapshotError)
  }
  assert.throws(() => table(['a', 'a']), OwnershipSnapshotError)
})

test('the version differs between different ready sets', () => {
  const versions = new Set(
    [table([]), table(['a']), table(['b']), table(['a', 'b']), table(['a', 'b', 'c'])].map((t) => t.version),
  )
  assert.equal(versions.size, 5)
})

test('ownerOfKey is the owner of the series hash of the key as one unnamed label', () => {
  fc.assert(
    fc.property(memberIds(1, 10), fc.string(), (idList, key) => {
      const t = table(idList)
      const h = hashLabels([{ name: '', value: key }])
      assert.equal(t.ownerOfKey(key), t.ownerIndexOfHash(Number(h >> 32n), Number(h & 0xffffffffn)))
    }),
  )
})

test('indexOf finds a member by id', () => {
  const t = table(['b', 'a', 'c'])
  assert.equal(t.members[t.indexOf('c')]!.id, 'c')
  assert.equal(t.indexOf('zz'), -1)
})
