import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  decodeHeartbeat,
  encodeHeartbeat,
  type Heartbeat,
  MAX_HEARTBEAT_BYTES,
  MAX_SHARD_WANTS,
  MAX_SINK_ID_LENGTH,
} from '../src/heartbeat.ts'
import { MemberTable } from '../src/member-table.ts'

function hb(id: string, seq: number, extra: Partial<Heartbeat> = {}): Heartbeat {
  return {
    cluster: '',
    id,
    name: id,
    dataUrl: `http://${id}`,
    state: 'ready',
    generation: 1000,
    seq,
    addrs: [`/ip4/10.0.0.1/tcp/7946/p2p/${id}`],
    flushed: -1,
    ...extra,
  }
}

const DEAD_AFTER = 1000
const GRACE = 200

test('a member silent for longer than deadAfterMs is removed, not before', () => {
  const t = new MemberTable(DEAD_AFTER, GRACE)
  assert.equal(t.observe(hb('a', 1), 0), 'added')
  assert.deepEqual(t.expire(DEAD_AFTER), [])
  assert.equal(t.observe(hb('a', 2), 900), 'updated')
  assert.deepEqual(t.expire(1800), [])
  assert.deepEqual(
    t.expire(1901).map((m) => m.id),
    ['a'],
  )
  assert.equal(t.members().length, 0)
})

test('a member whose connection closed is removed after the grace unless a heartbeat arrives after the close', () => {
  const t = new MemberTable(DEAD_AFTER, GRACE)
  t.observe(hb('a', 1), 0)
  t.observe(hb('b', 1), 0)
  t.disconnected('a', 100)
  t.disconnected('b', 100)
  // b is still heard from, relayed by another member.
  t.observe(hb('b', 2), 150)
  assert.deepEqual(
    t.expire(301).map((m) => m.id),
    ['a'],
  )
  assert.deepEqual(
    t.members().map((m) => m.id),
    ['b'],
  )
})

test('a reconnect cancels a pending disconnect', () => {
  const t = new MemberTable(DEAD_AFTER, GRACE)
  t.observe(hb('a', 1), 0)
  t.disconnected('a', 100)
  t.connected('a')
  assert.deepEqual(t.expire(400), [])
})

test('a heartbeat delivered late cannot undo a newer one', () => {
  const t = new MemberTable(DEAD_AFTER, GRACE)
  t.observe(hb('a', 5, { state: 'leaving' }), 0)
  assert.equal(t.observe(hb('a', 4, { state: 'ready' }), 10), 'stale')
  assert.equal(t.get('a')?.state, 'leaving')
})

test('an old heartbeat arriving after a member was removed does not bring it back', () => {
  const t = new MemberTable(DEAD_AFTER, GRACE)
  t.observe(hb('a', 7, { state: 'leaving' }), 0)
  t.disconnected('a', 10)
  assert.equal(t.expire(300).length, 1)
  assert.equal(t.observe(hb('a', 6), 310), 'stale')
  assert.equal(t.members().length, 0)
  // A newer heartbeat (the partition healed) does.
  assert.equal(t.observe(hb('a', 8), 320), 'added')
})

test('a restarted member (larger generation) replaces the old one, a smaller generation is stale', () => {
  const t = new MemberTable(DEAD_AFTER, GRACE)
  t.observe(hb('a', 50), 0)
  assert.equal(t.observe(hb('a', 1, { generation: 2000, state: 'joining' }), 10), 'updated')
  assert.equal(t.get('a')?.state, 'joining')
  assert.equal(t.observe(hb('a', 51, { generation: 1000 }), 20), 'stale')
})

test('heartbeats survive encoding; malformed ones decode to undefined', () => {
  const original = hb('a', 3, { state: 'joining', shards: { 'prometheus.remote_write.backend/0': 4 } })
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat(original)), original)
  // Without shard wants (an earlier build): it wants none.
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat(hb('a', 3)))?.shards, {})
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
  const many = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`s${i}`, 1]))
  for (const bad of [
    new Uint8Array([0xff, 0xfe]),
    enc(null),
    enc({ ...original, state: 'gone' }),
    enc({ ...original, seq: 1.5 }),
    enc({ ...original, addrs: [1] }),
    enc({ ...original, shards: { s: 0 } }),
    enc({ ...original, shards: { s: 2.5 } }),
    enc({ ...original, shards: { s: 70_000 } }),
    enc({ ...original, shards: [3] }),
    enc({ ...original, shards: many }),
    enc({ ...original, shards: { ['s'.repeat(201)]: 1 } }),
    new Uint8Array(20_000).fill(0x20),
  ]) {
    assert.equal(decodeHeartbeat(bad), undefined)
  }
})

test('the largest shard wants a heartbeat may carry still fit in a heartbeat', () => {
  const shards = Object.fromEntries(
    Array.from({ length: MAX_SHARD_WANTS }, (_, i) => [String(i).padStart(MAX_SINK_ID_LENGTH, 'x'), 65536]),
  )
  const addrs = Array.from({ length: 8 }, (_, i) => `/ip6/fd00::${i}/tcp/7946/p2p/${'Q'.repeat(52)}`)
  const largest = hb('a'.repeat(52), Number.MAX_SAFE_INTEGER, { shards, addrs, name: 'n'.repeat(253) })
  const bytes = encodeHeartbeat(largest)
  assert.ok(bytes.byteLength <= MAX_HEARTBEAT_BYTES, `${bytes.byteLength} bytes`)
  assert.deepEqual(decodeHeartbeat(bytes), largest)
})
