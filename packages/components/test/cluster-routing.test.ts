import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { Cluster, NOT_FLUSHED } from '@sluice/cluster'
import { Registry } from '@sluice/telemetry'
import { ClusterForwarder, HandoverHoldError, OwnershipVersionError } from '../src/cluster-routing.ts'
import type { WalBacklog } from '../src/services.ts'

const FAST = { heartbeatIntervalMs: 100, deadAfterMs: 1000, rejoinIntervalMs: 300 } as const

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function versionOf(forwarder: ClusterForwarder): number {
  return (forwarder.ownership()!.table as { version: number }).version
}

const stops: (() => Promise<void>)[] = []
after(async () => {
  for (const stop of stops.reverse()) await stop()
})

async function node(name: string, join: string[], backlog: () => WalBacklog, crashHoldMs = 10_000) {
  const cluster = await Cluster.start({
    listenAddr: '127.0.0.1:0',
    joinAddresses: join,
    nodeName: name,
    dataUrl: `http://127.0.0.1:1/${name}`,
    ...FAST,
  })
  const registry = new Registry()
  const forwarder = new ClusterForwarder(cluster, { backlog, registry, maxHoldMs: 10_000, crashHoldMs })
  stops.push(async () => {
    await forwarder.close()
    await cluster.stop()
  })
  return { cluster, forwarder, registry }
}

test('a joining owner holds writes until the previous owner has sent what it wrote before the change', async () => {
  // What A's WAL holds, as the test says.
  let aBacklog: WalBacklog = { records: 0, oldestAppendedAt: undefined }
  const a = await node('a', [], () => aBacklog)
  a.cluster.markReady()
  await until('a to own every key', () => a.forwarder.ownership()?.table !== undefined)
  const v1 = versionOf(a.forwarder)
  await until('a to claim the first version', () => a.cluster.self.flushed === v1)

  // A write admitted under v1 that is still being appended when the table changes.
  const inFlight = a.forwarder.admit(v1)

  const b = await node('b', a.cluster.listenAddresses(), () => ({ records: 0, oldestAppendedAt: undefined }))
  await until('b to see a', () => b.cluster.members().length === 2)
  b.cluster.markReady()
  await until(
    'both to own keys',
    () => a.forwarder.ownership()?.selfIndex !== undefined && versionOf(a.forwarder) !== v1,
  )
  const v2 = versionOf(a.forwarder)
  await until(
    'b to adopt the same table',
    () => b.forwarder.ownership() !== undefined && versionOf(b.forwarder) === v2,
  )

  assert.throws(
    () => b.forwarder.admit(v1),
    OwnershipVersionError,
    'a push routed by the old table is refused',
  )
  assert.throws(() => a.forwarder.admit(v1), OwnershipVersionError)
  assert.throws(() => b.forwarder.admit(v2), HandoverHoldError, 'b holds the keys it gained from a')
  assert.equal(a.cluster.self.flushed, NOT_FLUSHED, 'a withdrew its claim for the old table')

  // Its record lands in A's WAL after the change: A's claim must still wait for it to be sent.
  aBacklog = { records: 1, oldestAppendedAt: performance.timeOrigin + performance.now() }
  inFlight.release()
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(a.cluster.self.flushed, NOT_FLUSHED, 'no claim while that record is unsent')
  assert.throws(() => b.forwarder.admit(v2), HandoverHoldError, 'b still holds')

  aBacklog = { records: 0, oldestAppendedAt: undefined }
  await until('a to claim the new table', () => a.cluster.self.flushed === v2)
  await until('b to release its hold', () => {
    try {
      b.forwarder.admit(v2).release()
      return true
    } catch {
      return false
    }
  })
  // A record appended after A's mark does not delay the claim.
  a.forwarder.admit(v2).release()
})

const EMPTY = (): WalBacklog => ({ records: 0, oldestAppendedAt: undefined })

async function crashHolds(registry: Registry, result: string): Promise<number> {
  const m = await registry.getSingleMetric('sluice_cluster_crash_holds_total')!.get()
  return m.values.find((v) => v.labels.result === result)?.value ?? 0
}

test('a member that crashes pauses delivery, not writes, until a node of its name is ready again', async () => {
  const a = await node('crash-a', [], EMPTY)
  a.cluster.markReady()
  const b1 = await node('crash-b', a.cluster.listenAddresses(), EMPTY)
  b1.cluster.markReady()
  await until('a to see b ready', () => a.forwarder.localOwnership()?.table.members.length === 2)
  assert.equal(a.forwarder.delivery.wait(new AbortController().signal), undefined, 'nothing held yet')

  // A crash: B's connections close without a leaving announcement.
  await b1.cluster.stop()
  await until('a to drop b', () => a.forwarder.localOwnership()?.table.members.length === 1)
  let released = false
  const held = a.forwarder.delivery.wait(new AbortController().signal)
  assert.ok(held, 'delivery is held')
  void held.then(() => {
    released = true
  })
  const v = versionOf(a.forwarder)
  await until('a to claim its table', () => a.cluster.self.flushed === v)
  a.forwarder.admit(v).release()

  // A waiter whose sender stops is let go at once.
  const stopping = new AbortController()
  const stopped = a.forwarder.delivery.wait(stopping.signal)!
  stopping.abort()
  await stopped

  // Restarted (a new peer id, the same name): joining is not enough, ready is.
  const b2 = await node('crash-b', a.cluster.listenAddresses(), EMPTY)
  await until('a to see the new b', () => a.cluster.members().length === 2)
  await new Promise((resolve) => setTimeout(resolve, 200))
  assert.equal(released, false, 'still held while the new incarnation is joining')
  b2.cluster.markReady()
  await until('the hold to end', () => released)
  assert.equal(a.forwarder.delivery.wait(new AbortController().signal), undefined)
  assert.equal(await crashHolds(a.registry, 'recovered'), 1)
})

test('a crash hold ends at its bound when the member does not come back', async () => {
  const a = await node('bound-a', [], EMPTY, 500)
  a.cluster.markReady()
  const b = await node('bound-b', a.cluster.listenAddresses(), EMPTY, 500)
  b.cluster.markReady()
  await until('a to see b ready', () => a.forwarder.localOwnership()?.table.members.length === 2)
  await b.cluster.stop()
  await until('a to drop b', () => a.forwarder.localOwnership()?.table.members.length === 1)
  const held = a.forwarder.delivery.wait(new AbortController().signal)
  assert.ok(held)
  const started = Date.now()
  await held
  assert.ok(Date.now() - started < 2000, 'released at about the bound')
  assert.equal(await crashHolds(a.registry, 'timed_out'), 1)
})

test('a member that leaves gracefully causes no crash hold', async () => {
  const a = await node('leave-a', [], EMPTY)
  a.cluster.markReady()
  const b = await node('leave-b', a.cluster.listenAddresses(), EMPTY)
  b.cluster.markReady()
  await until('a to see b ready', () => a.forwarder.localOwnership()?.table.members.length === 2)
  await b.cluster.leave()
  await until('a to drop b', () => a.forwarder.localOwnership()?.table.members.length === 1)
  await until('b to be gone', () => a.cluster.members().length === 1)
  assert.equal(a.forwarder.delivery.wait(new AbortController().signal), undefined)
})
