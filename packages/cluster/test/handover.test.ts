import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { HandoverGate } from '../src/handover.ts'
import { type Member, NOT_FLUSHED } from '../src/member.ts'
import { OwnershipTable } from '../src/ownership.ts'

function table(...ids: string[]): OwnershipTable {
  return new OwnershipTable(ids.map((id) => ({ id, name: id, dataUrl: `http://${id}` })))
}

function member(id: string, flushed = NOT_FLUSHED): Member {
  return { id, name: id, dataUrl: `http://${id}`, state: 'ready', generation: 1, lastSeen: 0, flushed }
}

const MAX_HOLD = 30_000

test('a joining node holds until every previous owner claims the new version', () => {
  const before = table('a', 'b')
  const after = table('a', 'b', 'j')
  const gate = new HandoverGate('j', MAX_HOLD, before)
  gate.adopt(before, after, 0)
  assert.deepEqual(gate.waitingFor, ['a', 'b'])
  assert.equal(
    gate.check([member('a', after.version), member('b', before.version), member('j')], 10),
    'holding',
  )
  assert.deepEqual(gate.waitingFor, ['b'])
  assert.equal(gate.check([member('a', after.version), member('b', after.version)], 20), 'released')
  assert.equal(gate.check([], 30), 'open')
})

test('when a member leaves, the others wait for it alone; one that is gone counts as done', () => {
  const before = table('a', 'b', 'c')
  const after = table('a', 'b')
  const gate = new HandoverGate('a', MAX_HOLD, before)
  gate.adopt(before, after, 0)
  assert.deepEqual(gate.waitingFor, ['c'])
  assert.equal(gate.check([member('b'), member('c', before.version)], 5), 'holding')
  assert.equal(gate.check([member('b')], 6), 'released')
})

test('a member that joins elsewhere takes no keys from this node: no hold', () => {
  const before = table('a', 'b')
  const after = table('a', 'b', 'j')
  const gate = new HandoverGate('a', MAX_HOLD, before)
  gate.adopt(before, after, 0)
  assert.deepEqual(gate.waitingFor, [])
  assert.equal(gate.check([member('b'), member('j')], 1), 'open')
})

test('a claim for an older version does not release a hold on a newer one', () => {
  const v1 = table('a', 'b', 'c')
  const v2 = table('a', 'b')
  const v3 = table('a', 'b', 'd')
  const gate = new HandoverGate('a', MAX_HOLD, v1)
  gate.adopt(v1, v2, 0)
  gate.adopt(v2, v3, 1)
  assert.equal(gate.version, v3.version)
  assert.equal(gate.check([member('b'), member('c', v2.version), member('d')], 2), 'holding')
  assert.equal(gate.check([member('b'), member('c', v3.version), member('d')], 3), 'released')
})

test('a hold ends at its bound even if a previous owner never claims', () => {
  const before = table('a', 'b')
  const after = table('b')
  const gate = new HandoverGate('b', MAX_HOLD, before)
  gate.adopt(before, after, 1000)
  assert.equal(gate.check([member('a')], 1000 + MAX_HOLD - 1), 'holding')
  assert.equal(gate.check([member('a')], 1000 + MAX_HOLD), 'timed_out')
  assert.equal(gate.check([member('a')], 1000 + MAX_HOLD + 1), 'open')
})

test('a node waits exactly for the members that lose keys to it (rendezvous moves no key between stayers)', () => {
  const ids = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']
  fc.assert(
    fc.property(
      fc.subarray(ids, { minLength: 1 }),
      fc.subarray(ids, { minLength: 1 }),
      fc.constantFrom(...ids),
      (prevIds, nextIds, self) => {
        fc.pre(nextIds.includes(self))
        const prev = table(...prevIds)
        const next = table(...nextIds)
        const gate = new HandoverGate(self, MAX_HOLD, prev)
        gate.adopt(prev, next, 0)
        const waiting = new Set(gate.waitingFor)
        // Every member that owned a key this node owns now is awaited.
        for (let k = 0; k < 500; k++) {
          const key = `series-${k}`
          if (next.members[next.ownerOfKey(key)]!.id !== self) continue
          const owner = prev.members[prev.ownerOfKey(key)]?.id
          if (owner !== undefined && owner !== self) assert.ok(waiting.has(owner), `${owner} gave ${key}`)
        }
      },
    ),
    { numRuns: 200 },
  )
})
