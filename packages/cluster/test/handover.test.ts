import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { CrashHold, HandoverGate } from '../src/handover.ts'
import { type Member, NOT_FLUSHED } from '../src/member.ts'
import { OwnershipTable } from '../src/ownership.ts'

function table(...ids: string[]): OwnershipTable {
  return new OwnershipTable(ids.map((id) => ({ id, name: id, dataUrl: `http://${id}` })))
}

function member(id: string, flushed = NOT_FLUSHED): Member {
  return {
    id,
    name: id,
    dataUrl: `http://${id}`,
    state: 'ready',
    generation: 1,
    lastSeen: 0,
    flushed,
    shards: {},
  }
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

/** A member named `name` with peer id `id` (a restarted node keeps its name and gets a new id). */
function incarnation(name: string, id: string, state: Member['state'] = 'ready'): Member {
  return { ...member(id), name, state }
}

function named(...members: Array<[id: string, name: string]>): OwnershipTable {
  return new OwnershipTable(members.map(([id, name]) => ({ id, name, dataUrl: `http://${id}` })))
}

test('a member that vanishes without leaving is awaited by name until a new incarnation is ready', () => {
  const before = named(['a1', 'a'], ['b1', 'b'], ['c1', 'c'])
  const after = named(['a1', 'a'], ['b1', 'b'])
  const hold = new CrashHold('a1', MAX_HOLD)
  const live = [incarnation('a', 'a1'), incarnation('b', 'b1')]
  assert.deepEqual(hold.adopt(before, after, live, 100), ['c'])
  assert.deepEqual(hold.awaiting, ['c'])
  assert.equal(hold.since, 100)
  // Restarted, it drains its WAL while joining: still held.
  assert.equal(hold.check([...live, incarnation('c', 'c2', 'joining')], 200), 'holding')
  assert.equal(hold.check([...live, incarnation('c', 'c2', 'ready')], 300), 'recovered')
  assert.equal(hold.check(live, 400), 'open')
})

test('a member that drops out of the ready set as leaving is not a crash', () => {
  const before = named(['a1', 'a'], ['b1', 'b'])
  const after = named(['a1', 'a'])
  const hold = new CrashHold('a1', MAX_HOLD)
  assert.deepEqual(
    hold.adopt(before, after, [incarnation('a', 'a1'), incarnation('b', 'b1', 'leaving')], 0),
    [],
  )
  assert.equal(hold.check([incarnation('a', 'a1')], 1), 'open')
})

test('a crash hold ends at its bound when the member never comes back', () => {
  const before = named(['a1', 'a'], ['b1', 'b'])
  const after = named(['a1', 'a'])
  const hold = new CrashHold('a1', MAX_HOLD)
  hold.adopt(before, after, [incarnation('a', 'a1')], 1000)
  assert.equal(hold.check([incarnation('a', 'a1')], 1000 + MAX_HOLD - 1), 'holding')
  assert.equal(hold.check([incarnation('a', 'a1')], 1000 + MAX_HOLD), 'timed_out')
  assert.deepEqual(hold.awaiting, [])
  assert.equal(hold.check([incarnation('a', 'a1')], 1000 + MAX_HOLD + 1), 'open')
})

test('a partitioned member that comes back with the same id ends the hold; a second crash keeps the first start', () => {
  const abc = named(['a1', 'a'], ['b1', 'b'], ['c1', 'c'])
  const ab = named(['a1', 'a'], ['b1', 'b'])
  const a = named(['a1', 'a'])
  const hold = new CrashHold('a1', MAX_HOLD)
  hold.adopt(abc, ab, [incarnation('a', 'a1'), incarnation('b', 'b1')], 10)
  hold.adopt(ab, a, [incarnation('a', 'a1')], 20)
  assert.deepEqual(hold.awaiting, ['b', 'c'])
  assert.equal(hold.since, 10, 'the bound counts from the first crash')
  assert.equal(hold.check([incarnation('a', 'a1'), incarnation('c', 'c1')], 30), 'holding')
  assert.deepEqual(hold.awaiting, ['b'])
  assert.equal(hold.check([incarnation('a', 'a1'), incarnation('b', 'b1')], 40), 'recovered')
})

test('no crash hold for a node that owns nothing after the change, nor when disabled', () => {
  const before = named(['a1', 'a'], ['b1', 'b'])
  const after = named(['b1', 'b'])
  assert.deepEqual(new CrashHold('j1', MAX_HOLD).adopt(before, after, [incarnation('b', 'b1')], 0), [])
  assert.deepEqual(new CrashHold('b1', 0).adopt(before, after, [incarnation('b', 'b1')], 0), [])
})
