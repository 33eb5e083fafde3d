import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { OwnershipTable } from '@sluice/cluster/ownership'
import type { Label } from '@sluice/contracts'
import { decodeLokiPush, encodeLokiPush, hashLabels, type LokiStream, snappyEncode } from '@sluice/wire'
import fc from 'fast-check'
import { ForwardError, HandoverHoldError } from '../src/cluster-routing.ts'
import type { LogsReceiver } from '../src/loki-receiver.ts'
import { ownerOfStream, routeStreams, splitStreams } from '../src/loki-routing.ts'
import { type Admission, type ClusterRouting, type LocalOwnership, nodeBacklog } from '../src/services.ts'
import { FakeLoki, Node, tempDir, until } from './loki-helpers.ts'

function table(n: number): OwnershipTable {
  return new OwnershipTable(
    Array.from({ length: n }, (_, i) => ({
      id: `12D3KooWmember${i}`,
      name: `node-${i}`,
      dataUrl: `http://127.0.0.1:1/${i}`,
    })),
  )
}

function stream(labels: Label[], ...lines: string[]): LokiStream {
  return {
    labels,
    entries: lines.map((line, i) => ({ timestampNs: BigInt(i + 1), line, structuredMetadata: [] })),
  }
}

const key = (labels: readonly Label[]): string => labels.map((l) => `${l.name}=${l.value}`).join(',')

describe('splitting a push by stream owner', () => {
  test('every stream lands in exactly one group, in push order, the one of its owner', () => {
    const labelSet = fc
      .uniqueArray(
        fc.record({ name: fc.stringMatching(/^[a-z_]{1,6}$/), value: fc.string({ maxLength: 8 }) }),
        {
          minLength: 1,
          maxLength: 4,
          selector: (l) => l.name,
        },
      )
      .map((labels) => labels.sort((a, b) => (a.name < b.name ? -1 : 1)))
    fc.assert(
      fc.property(
        fc.array(labelSet, { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        (sets, members, self) => {
          const t = table(members)
          const selfIndex = self % (members + 1) === members ? -1 : self % (members + 1)
          const streams = sets.map((labels, i) => stream(labels, `line ${i}`))
          const split = splitStreams(streams, t, selfIndex)
          const seen: LokiStream[] = [...split.local]
          for (const s of split.local) assert.equal(ownerOfStream(t, s.labels), selfIndex)
          assert.ok(!split.remote.has(selfIndex), 'no remote group for this node')
          for (const [owner, group] of split.remote) {
            assert.ok(owner >= 0 && owner < members)
            for (const s of group) assert.equal(ownerOfStream(t, s.labels), owner)
            seen.push(...group)
          }
          // Exactly once: the same objects, each once, nothing added.
          assert.equal(seen.length, streams.length)
          assert.equal(new Set(seen).size, streams.length)
          for (const group of [split.local, ...split.remote.values()]) {
            const positions = group.map((s) => streams.indexOf(s))
            assert.deepEqual(
              positions,
              [...positions].sort((a, b) => a - b),
            )
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  test('a stream keeps its owner across pushes, entries and label order, with the series hash as key', () => {
    const t = table(3)
    const owners = new Set<number>()
    for (let i = 0; i < 200; i++) {
      const labels = [
        { name: 'app', value: `app-${i}` },
        { name: 'env', value: i % 2 === 0 ? 'prod' : 'dev' },
        // Code point order: U+FF5F before U+1F600, which UTF-16 order (a surrogate, 0xD83D) reverses.
        { name: '\u{FF5F}', value: 'x' },
        { name: '\u{1F600}', value: 'y' },
      ]
      const owner = ownerOfStream(t, labels)
      const h = hashLabels(labels)
      assert.equal(owner, t.ownerIndexOfHash(Number(h >> 32n), Number(h & 0xffffffffn)))
      assert.equal(ownerOfStream(t, [...labels].reverse()), owner, 'label order does not matter')
      assert.equal(ownerOfStream(t, [labels[0]!, labels[1]!, labels[3]!, labels[2]!]), owner)
      const again = splitStreams([stream(labels, 'another', 'push')], t, owner)
      assert.equal(again.local.length, 1, 'the owner keeps it in a later push too')
      owners.add(owner)
    }
    assert.equal(owners.size, 3, 'streams spread over every member')
  })
})

/** Cluster routing as a test double: records what is admitted and forwarded. */
class FakeRouting implements ClusterRouting {
  readonly table: OwnershipTable
  readonly selfIndex: number
  readonly forwarded: { owner: number; component: string; streams: LokiStream[] }[] = []
  readonly admitted: number[] = []
  released = 0
  hold = false
  failForward = false

  constructor(t: OwnershipTable, selfIndex: number) {
    this.table = t
    this.selfIndex = selfIndex
  }

  localOwnership(): LocalOwnership | undefined {
    return this.table.members.length === 0 ? undefined : { table: this.table, selfIndex: this.selfIndex }
  }

  async forwardLogs(t: OwnershipTable, owner: number, component: string, payload: Uint8Array): Promise<void> {
    assert.equal(t, this.table)
    if (this.failForward) throw new ForwardError(`member #${owner}`, 'owner unreachable')
    this.forwarded.push({ owner, component, streams: decodeLokiPush(payload).streams })
  }

  admit(version: number): Admission {
    if (this.hold) throw new HandoverHoldError(['node-0'])
    this.admitted.push(version)
    return { release: () => void this.released++ }
  }

  ownership(): undefined {
    return undefined
  }

  forward(): Promise<void> {
    throw new Error('metrics are not routed here')
  }

  ownsKey(): boolean {
    return true
  }

  onChange(): () => void {
    return () => {}
  }
}

/** Streams of which at least one is owned by `self` and at least one by another member. */
function mixedStreams(t: OwnershipTable, self: number): LokiStream[] {
  const streams: LokiStream[] = []
  for (let i = 0; i < 30; i++) streams.push(stream([{ name: 'app', value: `a${i}` }], `line ${i}`))
  const owners = new Set(streams.map((s) => ownerOfStream(t, s.labels)))
  assert.ok(owners.has(self) && owners.size > 1)
  return streams
}

describe('routeStreams', () => {
  const t = table(3)

  function receiver(fail = false): LogsReceiver & { got: LokiStream[] } {
    const got: LokiStream[] = []
    return {
      id: 'loki.write.test',
      got,
      async appendStreams(streams) {
        if (fail) throw new Error('WAL refused')
        got.push(...streams)
      },
    }
  }

  test('keeps its own streams, forwards each owner its streams once, and admits under the split table', async () => {
    const cluster = new FakeRouting(t, 1)
    const local = receiver()
    const streams = mixedStreams(t, 1)
    await routeStreams(cluster, 'loki.source.api.x', [local], streams)
    assert.deepEqual(
      local.got.map((s) => key(s.labels)),
      streams.filter((s) => ownerOfStream(t, s.labels) === 1).map((s) => key(s.labels)),
    )
    assert.deepEqual(cluster.admitted, [t.version])
    await until(() => cluster.released === 1)
    const owners = cluster.forwarded.map((f) => f.owner).sort()
    assert.deepEqual(owners, [...new Set(owners)], 'one forward per owner')
    for (const f of cluster.forwarded) {
      assert.equal(f.component, 'loki.source.api.x')
      assert.notEqual(f.owner, 1)
      for (const s of f.streams) assert.equal(ownerOfStream(t, s.labels), f.owner)
    }
    const total = local.got.length + cluster.forwarded.reduce((n, f) => n + f.streams.length, 0)
    assert.equal(total, streams.length)
  })

  test('a push with no stream of its own forwards without taking an admission', async () => {
    const cluster = new FakeRouting(t, -1)
    await routeStreams(cluster, 'c', [receiver()], mixedStreams(t, 0))
    assert.deepEqual(cluster.admitted, [])
    assert.equal(
      cluster.forwarded.reduce((n, f) => n + f.streams.length, 0),
      30,
    )
  })

  test('a hand-over hold refuses the push before anything is written or forwarded', async () => {
    const cluster = new FakeRouting(t, 0)
    cluster.hold = true
    const local = receiver()
    await assert.rejects(routeStreams(cluster, 'c', [local], mixedStreams(t, 0)), HandoverHoldError)
    assert.equal(local.got.length, 0)
    assert.equal(cluster.forwarded.length, 0)
  })

  test('a failed forward or a failed local append rejects the whole push', async () => {
    const failing = new FakeRouting(t, 0)
    failing.failForward = true
    await assert.rejects(routeStreams(failing, 'c', [receiver()], mixedStreams(t, 0)), /owner unreachable/)
    const cluster = new FakeRouting(t, 0)
    await assert.rejects(routeStreams(cluster, 'c', [receiver(true)], mixedStreams(t, 0)), /WAL refused/)
    await until(() => cluster.released === 1)
  })

  test('without a ready member the push is refused with 503', async () => {
    const cluster = new FakeRouting(new OwnershipTable([]), -1)
    await assert.rejects(routeStreams(cluster, 'c', [receiver()], mixedStreams(t, 0)), { status: 503 })
  })
})

describe('loki.source.api in a cluster', () => {
  const t = table(3)
  let dir: ReturnType<typeof tempDir>
  let loki: FakeLoki
  let node: Node
  let cluster: FakeRouting

  async function boot(clustering: string, script: number[] = []): Promise<string> {
    loki = new FakeLoki(script)
    const url = await loki.listen()
    await node.controller.apply(
      `
loki.source.api "ingest" {
  http {
    listen_address = "127.0.0.1"
    listen_port    = 0
  }
  labels     = { source = "edge" }
  forward_to = [loki.write.out.receiver]
  ${clustering}
}

loki.write "out" {
  endpoint {
    url        = "${url}"
    batch_wait = "10ms"
  }
}
`,
      'test.alloy',
    )
    return `http://127.0.0.1:${node.http.boundPort(0)}/loki/api/v1/push`
  }

  beforeEach(() => {
    dir = tempDir()
    cluster = new FakeRouting(t, 2)
    node = new Node(dir.path, cluster)
  })

  afterEach(async () => {
    await node.stop()
    await loki.close()
    dir.remove()
  })

  const pushAll = (url: string, streams: LokiStream[]) =>
    fetch(url, {
      method: 'POST',
      body: snappyEncode(encodeLokiPush({ streams })),
      headers: { 'content-type': 'application/x-protobuf' },
    })

  test('sends its own streams to Loki and forwards the others, labelled and stamped at the edge', async () => {
    const url = await boot('')
    const streams = mixedStreams(t, 2)
    const res = await pushAll(url, streams)
    assert.equal(res.status, 204)
    // The key is the stream as the edge labelled it (with source="edge").
    const mine = streams.filter(
      (s) => ownerOfStream(t, [...s.labels, { name: 'source', value: 'edge' }]) === 2,
    ).length
    const forwarded = cluster.forwarded.flatMap((f) => f.streams)
    assert.equal(forwarded.length, streams.length - mine)
    for (const s of forwarded) {
      assert.deepEqual(
        s.labels.find((l) => l.name === 'source'),
        { name: 'source', value: 'edge' },
      )
      assert.ok(s.entries[0]!.timestampNs > 1_000_000_000n, 'stamped with the receive time')
    }
    await until(() => loki.entries() === mine)
  })

  test('a forwarded push is delivered as it is: no second labelling, stamping or routing', async () => {
    await boot('')
    const ingest = node.services.logIngest.get('loki.source.api.ingest')
    assert.ok(ingest)
    // Owned by another member: the owner side must not route it again.
    const streams = mixedStreams(t, 2).filter((s) => ownerOfStream(t, s.labels) !== 2)
    await ingest(encodeLokiPush({ streams }))
    assert.equal(cluster.forwarded.length, 0)
    await until(() => loki.entries() === streams.length)
    const got = loki.lines()
    for (const [i, s] of streams.entries())
      assert.deepEqual(got.get(key(s.labels)), [s.entries[0]!.line], `#${i}`)
    assert.equal(
      loki.received.flatMap((r) => r.push.streams).find((s) => s.entries[0]!.timestampNs !== 1n),
      undefined,
    )
  })

  test('with clustering { enabled = false } every stream is written here', async () => {
    const url = await boot('clustering {\n    enabled = false\n  }')
    const streams = mixedStreams(t, 2)
    assert.equal((await pushAll(url, streams)).status, 204)
    assert.equal(cluster.forwarded.length, 0)
    await until(() => loki.entries() === streams.length)
  })

  test('an owner that cannot be reached makes the push fail with 503, so the sender retries', async () => {
    const url = await boot('')
    cluster.failForward = true
    const res = await pushAll(url, mixedStreams(t, 2))
    assert.equal(res.status, 503)
    assert.match(await res.text(), /owner unreachable/)
  })
})

test("loki.write's WALs count in the backlog the hand-over's flush claim waits on", async () => {
  const dir = tempDir()
  const node = new Node(dir.path)
  // Loki refuses the first request, so the entries stay in the WAL for one backoff (500 ms).
  const loki = new FakeLoki([503])
  try {
    await node.controller.apply(
      `
loki.source.api "ingest" {
  http {
    listen_address = "127.0.0.1"
    listen_port    = 0
  }
  forward_to = [loki.write.out.receiver]
}

loki.write "out" {
  endpoint {
    url        = "${await loki.listen()}"
    batch_wait = "10ms"
  }
}
`,
      'test.alloy',
    )
    assert.equal(nodeBacklog(node.services).records, 0)
    const res = await fetch(`http://127.0.0.1:${node.http.boundPort(0)}/loki/api/v1/push`, {
      method: 'POST',
      body: snappyEncode(encodeLokiPush({ streams: [stream([{ name: 'app', value: 'x' }], 'kept')] })),
      headers: { 'content-type': 'application/x-protobuf' },
    })
    assert.equal(res.status, 204)
    const held = nodeBacklog(node.services)
    assert.equal(held.records, 1)
    assert.ok(held.oldestAppendedAt !== undefined)
    await until(() => loki.entries() === 1)
    await until(() => nodeBacklog(node.services).records === 0)
  } finally {
    await node.stop()
    await loki.close()
    dir.remove()
  }
  assert.equal(node.services.logSinks.size, 0, 'a stopped loki.write leaves the backlog')
})
