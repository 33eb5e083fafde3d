import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import {
  type Cluster,
  ClusterConfigError,
  type ClusterOptions,
  ClusterStartError,
  ClusterStoppedError,
  generateSecret,
} from '../src/index.ts'
import { FAST, ids, metricValue, Nodes, waitFor } from './helpers.ts'

let nodes = new Nodes()
afterEach(async () => {
  await nodes.stopAll()
  nodes = new Nodes()
})

/**
 * Starts n ready nodes, each joining through the previous one, and waits for all of them to agree.
 * `options` apply to every node, `lastOptions` to the last one.
 */
async function readyCluster(
  n: number,
  options: Partial<ClusterOptions> = {},
  lastOptions: Partial<ClusterOptions> = {},
): Promise<Cluster[]> {
  const started: Cluster[] = []
  for (let i = 0; i < n; i++) {
    const join = i === 0 ? [] : started[i - 1]!.listenAddresses()
    started.push(await nodes.start({ joinAddresses: join, ...options, ...(i === n - 1 ? lastOptions : {}) }))
  }
  for (const node of started) node.markReady()
  assert.ok(await waitFor(() => agree(started, n), 5000), 'nodes did not converge')
  return started
}

function agree(cluster: Cluster[], size: number): boolean {
  const version = cluster[0]!.ownership().version
  return cluster.every((c) => c.readyMembers().length === size && c.ownership().version === version)
}

test('three nodes converge on the same ready set and identical ownership tables', async () => {
  const [a, b, c] = await readyCluster(3)
  const expected = ids([a!.self, b!.self, c!.self]).sort()
  for (const node of [a!, b!, c!]) {
    assert.deepEqual(ids(node.readyMembers()), expected)
    assert.deepEqual(node.ownership().toPlain(), a!.ownership().toPlain())
  }
  for (const key of ['job=node,instance=10.0.0.1:9100', 'job=api,instance=10.0.0.2:8080']) {
    assert.equal(b!.ownership().ownerOfKey(key), a!.ownership().ownerOfKey(key))
    assert.equal(c!.ownership().ownerOfKey(key), a!.ownership().ownerOfKey(key))
  }
  assert.deepEqual(
    a!.members().map((m) => m.dataUrl),
    [...a!.members()].sort((x, y) => (x.id < y.id ? -1 : 1)).map((m) => m.dataUrl),
  )
})

test('a joining node is a member but owns nothing until it is marked ready', async () => {
  const a = await nodes.start()
  const b = await nodes.start({ joinAddresses: a.listenAddresses() })
  a.markReady()
  assert.ok(await waitFor(() => a.members().length === 2 && b.members().length === 2, 5000))
  assert.equal(b.self.state, 'joining')
  assert.deepEqual(ids(a.readyMembers()), [a.self.id])
  assert.equal(b.ownership().members.length, 1)
  assert.equal(b.ownership().indexOf(b.self.id), -1)
  b.markReady()
  assert.ok(await waitFor(() => a.ownership().indexOf(b.self.id) >= 0, 2000))
})

test('a node joining through one member learns every member and connects to each', async () => {
  const [a, b] = await readyCluster(2)
  const c = await nodes.start({ joinAddresses: b!.listenAddresses() })
  assert.ok(await waitFor(() => c.members().length === 3 && a!.members().length === 3, 5000))
  assert.ok(
    c.members().some((m) => m.id === a!.self.id),
    'c never heard of a, which it was not told about',
  )
  const connections = async () => metricValue(nodes.registries[2]!, 'sluice_cluster_peer_connections')
  const deadline = Date.now() + 3000
  while ((await connections()) !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  assert.equal(await connections(), 2)
})

test('a node that leaves is dropped from the others’ ready set at once, before its connection closes', async () => {
  // The leaving node's own heartbeat timer is slow, so only the announcement made by leave() can tell
  // the others in time; and nobody declares it dead for silence meanwhile.
  const [a, b, c] = await readyCluster(3, { deadAfterMs: 10_000 }, { heartbeatIntervalMs: 2000 })
  const seenAtChange: string[] = []
  a!.on('change', (table) => {
    if (table.indexOf(c!.self.id) === -1)
      seenAtChange.push(a!.members().find((m) => m.id === c!.self.id)?.state ?? 'gone')
  })
  const start = Date.now()
  await c!.leave()
  assert.ok(await waitFor(() => a!.readyMembers().length === 2 && b!.readyMembers().length === 2, 1000))
  assert.ok(Date.now() - start < 600, 'removal took as long as a crash')
  assert.deepEqual(seenAtChange, ['leaving'])
  assert.ok(await waitFor(() => a!.members().length === 2, 2000), 'the left node lingers as a member')
})

test('a crashed node is removed from the others after at most deadAfterMs', async () => {
  const [a, b, c] = await readyCluster(3)
  const before = a!.ownership().version
  const start = Date.now()
  await c!.stop()
  assert.ok(
    await waitFor(() => a!.members().length === 2 && b!.members().length === 2, FAST.deadAfterMs + 500),
    'stopped node still listed',
  )
  assert.ok(Date.now() - start <= FAST.deadAfterMs + 500)
  assert.notEqual(a!.ownership().version, before)
  assert.equal(a!.ownership().version, b!.ownership().version)
})

test('a node with another secret, or none, cannot join and is never seen', async () => {
  const secret = generateSecret()
  const a = await nodes.start({ secret })
  const b = await nodes.start({ secret, joinAddresses: a.listenAddresses() })
  const stranger = await nodes.start({ secret: generateSecret(), joinAddresses: a.listenAddresses() })
  const open = await nodes.start({ joinAddresses: a.listenAddresses() })
  assert.ok(await waitFor(() => a.members().length === 2 && b.members().length === 2, 5000))
  await new Promise((r) => setTimeout(r, 800))
  assert.deepEqual(ids(a.members()).sort(), [a.self.id, b.self.id].sort())
  assert.deepEqual(ids(stranger.members()), [stranger.self.id])
  assert.deepEqual(ids(open.members()), [open.self.id])
  assert.equal(await metricValue(nodes.registries[2]!, 'sluice_cluster_heartbeats_received_total'), 0)
})

test('a partition splits the views and, once lifted, rejoin makes them converge again', async () => {
  let partitioned = false
  let isolatedId = ''
  const a = await nodes.start({ peerFilter: (peer) => !(partitioned && peer === isolatedId) })
  const b = await nodes.start({
    joinAddresses: a.listenAddresses(),
    peerFilter: (peer) => !(partitioned && peer === isolatedId),
  })
  const c = await nodes.start({ joinAddresses: a.listenAddresses(), peerFilter: () => !partitioned })
  isolatedId = c.self.id
  for (const node of [a, b, c]) node.markReady()
  assert.ok(await waitFor(() => agree([a, b, c], 3), 5000))

  partitioned = true
  assert.ok(
    await waitFor(() => agree([a, b], 2) && c.readyMembers().length === 1, FAST.deadAfterMs + 2000),
    'the partition was not noticed',
  )
  assert.deepEqual(ids(c.readyMembers()), [c.self.id])

  partitioned = false
  assert.ok(
    await waitFor(() => agree([a, b, c], 3), 5000),
    'views did not converge after the partition healed',
  )
})

test('waitForSize resolves true once enough members are live and false on timeout', async () => {
  const a = await nodes.start()
  assert.equal(await a.waitForSize(1, 0), true)
  assert.equal(await a.waitForSize(2, 200), false)
  const waiting = a.waitForSize(2, 5000)
  await nodes.start({ joinAddresses: a.listenAddresses() })
  assert.equal(await waiting, true)
})

test('change listeners get each new table until they unsubscribe; a left node cannot be marked ready', async () => {
  const a = await nodes.start()
  const versions: number[] = []
  const off = a.on('change', (table) => versions.push(table.version))
  a.markReady()
  assert.deepEqual(versions, [a.ownership().version])
  assert.equal(a.ownership().indexOf(a.self.id), 0)
  off()
  await a.leave()
  assert.equal(versions.length, 1)
  assert.throws(() => a.markReady(), ClusterStoppedError)
  assert.equal(await metricValue(nodes.registries[0]!, 'sluice_cluster_ownership_changes_total'), 2)
})

test('bad options and a taken port fail start with coded errors', async () => {
  await assert.rejects(nodes.start({ listenAddr: 'localhost:22050' }), ClusterConfigError)
  await assert.rejects(nodes.start({ secret: new TextEncoder().encode('not a key') }), ClusterConfigError)
  await assert.rejects(nodes.start({ heartbeatIntervalMs: 2000, deadAfterMs: 1000 }), ClusterConfigError)
  await nodes.start({ listenAddr: '127.0.0.1:22051' })
  await assert.rejects(nodes.start({ listenAddr: '127.0.0.1:22051' }), ClusterStartError)
})

test('a sink runs with the largest shard count any member wants, and every member agrees on it', async () => {
  const [a, b, c] = await readyCluster(3)
  const all = [a!, b!, c!]
  const changes = all.map(() => 0)
  all.forEach((node, i) => {
    node.on('shards', () => {
      changes[i]!++
    })
  })
  const sink = 'prometheus.remote_write.backend/0'
  const agreed = (n: number | undefined) => all.every((node) => node.agreedShards(sink) === n)
  assert.ok(agreed(undefined), 'nobody wants a count yet')
  for (const node of all) node.wantShards(sink, 1)
  assert.ok(await waitFor(() => agreed(1), 3000))
  b!.wantShards(sink, 4)
  assert.ok(await waitFor(() => agreed(4), 3000), 'the largest want')
  c!.wantShards(sink, 2)
  b!.wantShards(sink, 1)
  assert.ok(await waitFor(() => agreed(2), 3000), 'the largest want, again, after the largest went down')
  assert.ok(
    changes.every((n) => n >= 3),
    `every node heard each change: ${changes}`,
  )
  // A member that goes takes its wants with it.
  await c!.leave()
  assert.ok(await waitFor(() => [a!, b!].every((node) => node.agreedShards(sink) === 1), 3000))
  // Wants the heartbeat could not carry are refused where they are made.
  assert.throws(() => a!.wantShards('s'.repeat(201), 2), ClusterConfigError)
  assert.throws(() => a!.wantShards(sink, 0), ClusterConfigError)
  assert.throws(() => a!.wantShards(sink, 1.5), ClusterConfigError)
  b!.wantShards(sink, undefined)
  a!.wantShards(sink, undefined)
  assert.ok(await waitFor(() => [a!, b!].every((node) => node.agreedShards(sink) === undefined), 3000))
})
