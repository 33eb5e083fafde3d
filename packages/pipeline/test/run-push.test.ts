import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OwnershipTable } from '@sluice/cluster/ownership'
import type { Label } from '@sluice/contracts'
import type { RelabelRule } from '@sluice/relabel'
import { hashLabels, MetricType, snappyEncode } from '@sluice/wire'
import {
  decodeForwardBody,
  type PushJob,
  PushRunner,
  type RemoteOutput,
  type StagePlan,
} from '../src/index.ts'
import {
  decode,
  encode,
  encodeLabelsLast,
  encodeV2,
  key,
  keys,
  LIMITS,
  makeSeries,
  unpack,
} from './fixtures.ts'

function job(body: Uint8Array, plan: StagePlan[], extra: Partial<PushJob> = {}): PushJob {
  return { body, encoding: 'identity', protocol: 'v1', limits: LIMITS, plan, ...extra }
}

function sink(
  id: string,
  shards = 1,
  externalLabels: Label[] = [],
  writeRelabel: RelabelRule[] = [],
): StagePlan {
  return { kind: 'sink', id, shards, externalLabels, writeRelabel }
}

/** Every series key a sink received, over all its shards. */
function sinkKeys(result: ReturnType<PushRunner['run']>, id: string): string[] {
  return result.local.filter((o) => o.sinkId === id).flatMap((o) => keys(unpack(o.payload)))
}

/** The (sink, shard) parts of a forward body, each decompressed. */
function forwarded(r: RemoteOutput) {
  return decodeForwardBody(r.payload).map((p) => ({ ...p, payload: unpack(p.payload) }))
}

const lowShard = (labels: Label[], shards: number): number =>
  Number(hashLabels(labels) & 0xffffffffn) % shards

describe('PushRunner', () => {
  it('applies a relabel chain of drop, keep and replace, and only survivors reach the sink', () => {
    const runner = new PushRunner()
    const plan: StagePlan[] = [
      {
        kind: 'relabel',
        id: 'drop_job0',
        cacheSize: 100,
        rules: [{ source_labels: ['job'], regex: 'job_0', action: 'drop' }],
        next: [
          {
            kind: 'relabel',
            id: 'keep_metric1',
            cacheSize: 100,
            rules: [
              { source_labels: ['__name__'], regex: 'metric_1', action: 'keep' },
              { source_labels: ['instance'], regex: 'host-(.*)', target_label: 'host', replacement: 'h$1' },
            ],
            next: [sink('out')],
          },
        ],
      },
    ]
    const result = runner.run(job(encode(makeSeries(24)), plan))
    // metric_1 is i%4==1; job_0 is i%3==0: survivors are i in {1,5,13,17} (9 and 21 are job_0).
    assert.deepEqual(sinkKeys(result, 'out').sort(), [
      '__name__=metric_1,host=h1,instance=host-1,job=job_1',
      '__name__=metric_1,host=h13,instance=host-13,job=job_1',
      '__name__=metric_1,host=h17,instance=host-17,job=job_2',
      '__name__=metric_1,host=h5,instance=host-5,job=job_2',
    ])
    // 8 dropped by the first stage (job_0), 12 by the keep of the second.
    assert.equal(result.droppedByRelabel, 8 + 12)
    assert.equal(result.seriesIn, 24)
    assert.equal(result.samplesIn, 48)
    const out = result.local[0]!
    assert.equal(out.series, 4)
    assert.equal(out.samples, 8)
  })

  it('keeps samples intact when it rewrites labels', () => {
    const series = makeSeries(3, 5)
    const plan: StagePlan[] = [
      {
        kind: 'relabel',
        id: 'r',
        cacheSize: 10,
        rules: [{ target_label: 'env', replacement: 'prod' }],
        next: [sink('s')],
      },
    ]
    const got = decode(unpack(new PushRunner().run(job(encode(series), plan)).local[0]!.payload)).timeseries
    assert.deepEqual(
      got.map((s) => s.samples),
      series.map((s) => s.samples),
    )
    assert.ok(got.every((s) => s.labels.some((l) => l.name === 'env' && l.value === 'prod')))
  })

  it('stores a push that one sink takes whole onto one shard as the block it arrived in', () => {
    const raw = encode(makeSeries(40))
    const body = snappyEncode(raw)
    const noop: StagePlan = {
      kind: 'relabel',
      id: 'noop',
      cacheSize: 10,
      rules: [{ source_labels: ['job'], regex: 'nope', action: 'drop' }],
      next: [sink('s')],
    }
    for (const plan of [[sink('s')], [noop], [sink('a'), sink('b')]]) {
      const result = new PushRunner().run(job(body, plan, { encoding: 'snappy' }))
      assert.ok(result.local.length > 0)
      for (const out of result.local) {
        assert.equal(out.payload, body, 'the received block itself')
        assert.equal(out.series, 40)
        assert.equal(out.samples, 80)
      }
    }
    // A series dropped, two shards, or a 2.0 body: the sinks' blocks are compressed anew.
    const dropOne: StagePlan = {
      kind: 'relabel',
      id: 'drop',
      cacheSize: 10,
      rules: [{ source_labels: ['instance'], regex: 'host-3', action: 'drop' }],
      next: [sink('s')],
    }
    const split = [
      job(body, [dropOne], { encoding: 'snappy' }),
      job(body, [sink('s', 2)], { encoding: 'snappy' }),
      job(snappyEncode(encodeV2(makeSeries(40))), [sink('s')], { encoding: 'snappy', protocol: 'v2' }),
    ]
    for (const j of split) {
      const result = new PushRunner().run(j)
      for (const out of result.local) assert.notEqual(out.payload, j.body)
      assert.ok(result.local.reduce((n, o) => n + o.series, 0) >= 39)
    }
    const v2 = new PushRunner().run(split[2]!)
    assert.deepEqual(unpack(v2.local[0]!.payload), raw)
  })

  it('copies a series no stage changes byte for byte', () => {
    const body = encode(makeSeries(5))
    const plan: StagePlan[] = [
      {
        kind: 'relabel',
        id: 'noop',
        cacheSize: 10,
        rules: [{ source_labels: ['job'], regex: 'nope', action: 'drop' }],
        next: [sink('s')],
      },
      { kind: 'main', id: 'debug' },
    ]
    const result = new PushRunner().run(job(body, plan))
    assert.deepEqual(unpack(result.local[0]!.payload), body)
    assert.deepEqual(result.main[0]!.payload, body)
  })

  it('fans a series out to every sink of a relabel stage, each with its own shards', () => {
    const plan: StagePlan[] = [
      {
        kind: 'relabel',
        id: 'r',
        cacheSize: 10,
        rules: [{ source_labels: ['job'], regex: 'job_1', action: 'keep' }],
        next: [sink('a', 1), sink('b', 3)],
      },
    ]
    const result = new PushRunner().run(job(encode(makeSeries(12)), plan))
    const a = sinkKeys(result, 'a').sort()
    assert.equal(a.length, 4)
    assert.deepEqual(sinkKeys(result, 'b').sort(), a)
    assert.ok(result.local.filter((o) => o.sinkId === 'b').every((o) => o.shard >= 0 && o.shard < 3))
  })

  it('adds external labels under the series own labels, then applies write relabel rules', () => {
    const series = makeSeries(6)
    series[0]!.labels.push({ name: 'region', value: 'own' })
    const plan: StagePlan[] = [
      sink(
        's',
        1,
        [
          { name: 'region', value: 'eu' },
          { name: 'cluster', value: 'c1' },
        ],
        [
          // Runs after the external labels: it can see and drop on them.
          { source_labels: ['region', 'job'], regex: 'eu;job_1', action: 'drop' },
          { action: 'labeldrop', regex: 'instance' },
        ],
      ),
    ]
    const result = new PushRunner().run(job(encode(series), plan))
    assert.deepEqual(
      sinkKeys(result, 's').sort(),
      [
        '__name__=metric_0,cluster=c1,job=job_0,region=own',
        '__name__=metric_2,cluster=c1,job=job_2,region=eu',
        '__name__=metric_3,cluster=c1,job=job_0,region=eu',
        '__name__=metric_1,cluster=c1,job=job_2,region=eu',
      ].sort(),
    )
    assert.equal(result.droppedByRelabel, 2)
  })

  it('picks the shard from the hash of the final labels, the same whatever else is in the push', () => {
    const ext: Label[] = [{ name: 'cluster', value: 'c1' }]
    const plan = [sink('s', 4, ext)]
    const runner = new PushRunner()
    const all = runner.run(job(encode(makeSeries(40)), plan))
    const alone = runner.run(job(encode(makeSeries(1, 2, 17)), plan))
    const shardOf = (r: typeof all, instance: string): number =>
      r.local.find((o) => keys(unpack(o.payload)).some((k) => k.includes(`instance=${instance},`)))!.shard
    assert.equal(shardOf(all, 'host-17'), shardOf(alone, 'host-17'))
    for (const out of all.local) {
      for (const s of decode(unpack(out.payload)).timeseries) assert.equal(out.shard, lowShard(s.labels, 4))
    }
    assert.ok(new Set(all.local.map((o) => o.shard)).size > 1, '40 series spread over several shards')
  })

  it('shards an untouched series by the hash of its received labels', () => {
    const series = makeSeries(20)
    const result = new PushRunner().run(job(encode(series), [sink('s', 3)]))
    for (const out of result.local) {
      for (const s of decode(unpack(out.payload)).timeseries) assert.equal(out.shard, lowShard(s.labels, 3))
    }
  })

  it('routes a plan that changes no series (plain sinks, a main receiver) as the general path does', () => {
    const table = new OwnershipTable(
      ['a', 'b'].map((id) => ({ id, name: id, dataUrl: `http://${id}.invalid` })),
    )
    const body = encodeLabelsLast(makeSeries(40))
    const mixed = encode(makeSeries(40, 1, 100), [
      { type: MetricType.GAUGE, metricFamilyName: 'up', help: 'up', unit: '' },
    ])
    const targets: StagePlan[] = [sink('s', 4), sink('t', 3), { kind: 'main', id: 'm' }]
    // A relabel stage whose rule changes nothing forces the general, per-series path.
    const keepAll = [{ source_labels: ['__name__'], regex: 'no_such_metric', action: 'drop' as const }]
    const general: StagePlan[] = [
      { kind: 'relabel', id: 'noop', cacheSize: 100, rules: keepAll, next: targets },
    ]
    const ownership = { table: table.toPlain(), selfIndex: 0 }
    for (const input of [body, mixed]) {
      for (const extra of [{}, { ownership }]) {
        const direct = new PushRunner().run(job(input, targets, extra))
        const slow = new PushRunner().run(job(input, general, extra))
        const view = (r: typeof direct) => ({
          local: r.local.map((o) => [o.sinkId, o.shard, o.series, o.samples, [...unpack(o.payload)]]),
          main: r.main.map((o) => [o.id, o.series, [...o.payload]]),
          remote: r.remote.map((o) => [
            o.ownerIndex,
            o.series,
            forwarded(o).map((p) => [p.sinkId, p.shard, [...p.payload]]),
          ]),
        })
        assert.ok(direct.local.length > 2)
        assert.deepEqual(view(direct), view(slow))
      }
    }
  })

  it('runs the plan on every series and forwards to each owner the sink records of its series', () => {
    const table = new OwnershipTable([
      { id: 'a', name: 'a', dataUrl: 'http://127.0.0.1:1' },
      { id: 'b', name: 'b', dataUrl: 'http://127.0.0.1:2' },
      { id: 'c', name: 'c', dataUrl: 'http://127.0.0.1:3' },
    ])
    const series = makeSeries(60)
    const plan: StagePlan[] = [
      {
        kind: 'relabel',
        id: 'r',
        cacheSize: 100,
        rules: [{ target_label: 'env', replacement: 'x' }],
        next: [sink('s', 3)],
      },
    ]
    const result = new PushRunner().run(
      job(encode(series), plan, { ownership: { table: table.toPlain(), selfIndex: 1 } }),
    )
    const relabelled = (k: string) => k.replace(',instance=', ',env=x,instance=')
    const expected = new Map<number, string[]>()
    for (const s of series) {
      const h = hashLabels(s.labels)
      const owner = table.ownerIndexOfHash(Number(h >> 32n), Number(h & 0xffffffffn))
      expected.set(owner, [...(expected.get(owner) ?? []), key(s.labels)])
    }
    assert.equal(expected.size, 3, 'the fixture spreads over all three members')
    assert.deepEqual(result.remote.map((r) => r.ownerIndex).sort(), [0, 2])
    for (const r of result.remote) {
      const parts = forwarded(r)
      // Owned by the raw series, sharded by the final labels, as the owner's own sink would.
      for (const p of parts) {
        assert.equal(p.sinkId, 's')
        assert.equal(p.shards, 3)
        for (const s of decode(p.payload).timeseries) assert.equal(lowShard(s.labels, 3), p.shard)
      }
      assert.deepEqual(
        parts.flatMap((p) => keys(p.payload)).sort(),
        expected.get(r.ownerIndex)!.map(relabelled).sort(),
      )
      assert.equal(r.series, expected.get(r.ownerIndex)!.length)
      assert.equal(r.samples, 2 * r.series)
    }
    assert.deepEqual(sinkKeys(result, 's').sort(), expected.get(1)!.map(relabelled).sort())
  })

  it('owns series by their key labels when the push names them: each key to one member', () => {
    const table = new OwnershipTable([
      { id: 'a', name: 'a', dataUrl: 'http://127.0.0.1:1' },
      { id: 'b', name: 'b', dataUrl: 'http://127.0.0.1:2' },
      { id: 'c', name: 'c', dataUrl: 'http://127.0.0.1:3' },
    ])
    const series = makeSeries(60)
    const ownerOf = (labels: Label[]) => {
      const h = hashLabels(labels.filter((l) => l.name === 'job'))
      return table.ownerIndexOfHash(Number(h >> 32n), Number(h & 0xffffffffn))
    }
    const expected = new Map<number, string[]>()
    for (const s of series)
      expected.set(ownerOf(s.labels), [...(expected.get(ownerOf(s.labels)) ?? []), key(s.labels)])
    const result = new PushRunner().run(
      job(encode(series), [sink('s', 2)], {
        ownership: { table: table.toPlain(), selfIndex: 0, keyLabels: ['job'] },
      }),
    )
    const got = new Map<number, string[]>([[0, sinkKeys(result, 's')]])
    for (const r of result.remote)
      got.set(
        r.ownerIndex,
        forwarded(r).flatMap((p) => keys(p.payload)),
      )
    for (const [owner, want] of expected) assert.deepEqual((got.get(owner) ?? []).sort(), want.sort())
    // Within each owner's sink, the shard still comes from the whole series.
    for (const r of result.remote)
      for (const p of forwarded(r))
        for (const s of decode(p.payload).timeseries) assert.equal(lowShard(s.labels, 2), p.shard)
  })

  it('forwards a push whose series all share a key of another member as the block it arrived in', () => {
    const table = new OwnershipTable([
      { id: 'a', name: 'a', dataUrl: 'http://127.0.0.1:1' },
      { id: 'b', name: 'b', dataUrl: 'http://127.0.0.1:2' },
    ])
    const series = makeSeries(30).map((s) => ({ ...s, labels: [...s.labels, { name: 'zone', value: 'eu' }] }))
    const h = hashLabels([{ name: 'zone', value: 'eu' }])
    const owner = table.ownerIndexOfHash(Number(h >> 32n), Number(h & 0xffffffffn))
    const body = snappyEncode(encode(series))
    const result = new PushRunner().run(
      job(body, [sink('s')], {
        encoding: 'snappy',
        ownership: { table: table.toPlain(), selfIndex: 1 - owner, keyLabels: ['zone'] },
      }),
    )
    assert.equal(result.local.length, 0)
    assert.equal(result.remote.length, 1)
    assert.equal(result.remote[0]!.ownerIndex, owner)
    const parts = decodeForwardBody(result.remote[0]!.payload)
    assert.equal(parts.length, 1)
    assert.deepEqual([...parts[0]!.payload], [...body], 'the received block, not compressed again')
  })

  it('converts a remote-write 2.0 request to 1.0 before the plan', () => {
    const series = makeSeries(5, 3)
    const result = new PushRunner().run(job(encodeV2(series), [sink('s')], { protocol: 'v2' }))
    const got = decode(unpack(result.local[0]!.payload)).timeseries
    assert.deepEqual(
      got.map((s) => key(s.labels)),
      series.map((s) => key(s.labels)),
    )
    assert.deepEqual(
      got.map((s) => s.samples),
      series.map((s) => s.samples),
    )
  })

  it('puts metadata in shard 0 of every sink and in main outputs, and never forwards it', () => {
    const metadata = [{ type: MetricType.COUNTER, metricFamilyName: 'metric_0', help: 'h', unit: '' }]
    const table = new OwnershipTable([
      { id: 'a', name: 'a', dataUrl: '' },
      { id: 'b', name: 'b', dataUrl: '' },
    ])
    const body = encode(makeSeries(30), metadata)
    const plan: StagePlan[] = [sink('s', 4), { kind: 'main', id: 'm' }]
    const result = new PushRunner().run(
      job(body, plan, { ownership: { table: table.toPlain(), selfIndex: 0 } }),
    )
    for (const out of result.local)
      assert.equal(decode(unpack(out.payload)).metadata.length, out.shard === 0 ? 1 : 0)
    assert.equal(decode(result.main[0]!.payload).metadata.length, 1)
    assert.ok(result.remote.length > 0)
    for (const r of result.remote)
      for (const p of forwarded(r)) assert.equal(decode(p.payload).metadata.length, 0)
  })

  it('emits a metadata-only request to shard 0 of each sink', () => {
    const metadata = [{ type: MetricType.GAUGE, metricFamilyName: 'up', help: 'up', unit: '' }]
    const result = new PushRunner().run(job(encode([], metadata), [sink('s', 4)]))
    assert.equal(result.local.length, 1)
    assert.equal(result.local[0]!.shard, 0)
    assert.equal(result.local[0]!.series, 0)
    assert.deepEqual(decode(unpack(result.local[0]!.payload)).metadata[0]!.metricFamilyName, 'up')
  })

  it('recompiles a stage whose rules changed and keeps one whose rules did not', () => {
    const runner = new PushRunner()
    const body = () => encode(makeSeries(6))
    const stage = (regex: string): StagePlan[] => [
      {
        kind: 'relabel',
        id: 'same-id',
        cacheSize: 10,
        rules: [{ source_labels: ['job'], regex, action: 'keep' }],
        next: [sink('s')],
      },
    ]
    assert.equal(runner.run(job(body(), stage('job_0'))).local[0]!.series, 2)
    assert.equal(runner.run(job(body(), stage('job_1|job_2'))).local[0]!.series, 4)
    assert.equal(runner.run(job(body(), stage('job_0'))).local[0]!.series, 2)
    // The third push found the first rule set still compiled rather than adding a third entry.
    assert.equal(runner.compiledStages, 2)
  })

  it('reuses its decode buffer without changing the outputs of earlier pushes', () => {
    const table = new OwnershipTable(
      ['a', 'b'].map((id) => ({ id, name: id, dataUrl: `http://${id}.invalid` })),
    )
    const plans: StagePlan[][] = [
      [sink('s', 2), { kind: 'main', id: 'm' }],
      [
        {
          kind: 'relabel',
          id: 'r',
          cacheSize: 100,
          rules: [{ target_label: 'env', replacement: 'x' }],
          next: [sink('s', 2), { kind: 'main', id: 'm' }],
        },
      ],
    ]
    for (const plan of plans) {
      const runner = new PushRunner()
      const snappy = (offset: number) =>
        job(snappyEncode(encode(makeSeries(30, 1, offset))), plan, {
          encoding: 'snappy',
          ownership: { table: table.toPlain(), selfIndex: 0 },
        })
      const copy = (r: ReturnType<PushRunner['run']>) =>
        [...r.local, ...r.main, ...r.remote].map((o) => Uint8Array.from(o.payload))
      const first = runner.run(snappy(0))
      const before = copy(first)
      runner.run(snappy(1000))
      assert.deepEqual(copy(first), before)
      // The same push again (memo hits on the second plan) gives the same bytes.
      assert.deepEqual(copy(runner.run(snappy(0))), before)
    }
  })

  it('fans a stage without rules (and no cache) out to every next stage, compiling nothing', () => {
    const runner = new PushRunner()
    // What remote_write with two endpoints plans: cacheSize 0 would be refused by a relabel cache.
    const plan: StagePlan[] = [
      { kind: 'relabel', id: 'rw/fanout', cacheSize: 0, rules: [], next: [sink('rw/a', 2), sink('rw/b')] },
    ]
    const series = makeSeries(8)
    const result = runner.run(job(encode(series), plan))
    const want = series.map((s) => key(s.labels)).sort()
    assert.deepEqual(sinkKeys(result, 'rw/a').sort(), want)
    assert.deepEqual(sinkKeys(result, 'rw/b').sort(), want)
    assert.equal(runner.compiledStages, 0)
  })

  it('gives main-thread receivers every series, whoever owns it, and forwards only sink records', () => {
    const table = new OwnershipTable(['a', 'b'].map((id) => ({ id, name: id, dataUrl: '' })))
    const series = makeSeries(30)
    const plan: StagePlan[] = [sink('s'), { kind: 'main', id: 'm' }]
    const result = new PushRunner().run(
      job(encode(series), plan, { ownership: { table: table.toPlain(), selfIndex: 0 } }),
    )
    assert.deepEqual(keys(result.main[0]!.payload).sort(), series.map((s) => key(s.labels)).sort())
    assert.equal(result.remote.length, 1)
    const parts = forwarded(result.remote[0]!)
    assert.deepEqual(
      parts.map((p) => p.sinkId),
      ['s'],
    )
    assert.equal(sinkKeys(result, 's').length + parts[0]!.series, series.length)
  })

  it('bounds the compiled stages it keeps', () => {
    const runner = new PushRunner({ maxStages: 2 })
    for (let i = 0; i < 5; i++) {
      const plan: StagePlan[] = [
        {
          kind: 'relabel',
          id: `r${i}`,
          cacheSize: 10,
          rules: [{ target_label: 'env', replacement: 'x' }],
          next: [sink('s')],
        },
      ]
      runner.run(job(encode(makeSeries(1)), plan))
    }
    assert.equal(runner.compiledStages, 2)
  })

  it('gives a repeated push the same outputs from its memo as from the rules', () => {
    const runner = new PushRunner()
    const plan: StagePlan[] = [
      {
        kind: 'relabel',
        id: 'r',
        cacheSize: 100,
        rules: [
          { source_labels: ['job'], regex: 'job_2', action: 'drop' },
          { target_label: 'env', replacement: 'prod' },
        ],
        next: [sink('a', 3), sink('b', 2, [{ name: 'zone', value: 'z1' }]), { kind: 'main', id: 'm' }],
      },
    ]
    const first = runner.run(job(encode(makeSeries(30)), plan))
    const again = runner.run(job(encode(makeSeries(30)), plan))
    assert.deepEqual(again, first)
    assert.equal(again.droppedByRelabel, 10)
  })

  it('relabels a series whose labels follow its samples', () => {
    const series = makeSeries(4, 2)
    const plan: StagePlan[] = [
      {
        kind: 'relabel',
        id: 'r',
        cacheSize: 10,
        rules: [
          { source_labels: ['job'], regex: 'job_1', action: 'drop' },
          { target_label: 'env', replacement: 'prod' },
        ],
        next: [sink('s', 2)],
      },
    ]
    const result = new PushRunner().run(job(encodeLabelsLast(series), plan))
    const got = result.local.flatMap((o) => decode(unpack(o.payload)).timeseries)
    assert.deepEqual(got.map((s) => key(s.labels)).sort(), [
      '__name__=metric_0,env=prod,instance=host-0,job=job_0',
      '__name__=metric_2,env=prod,instance=host-2,job=job_2',
      '__name__=metric_3,env=prod,instance=host-3,job=job_0',
    ])
    assert.ok(got.every((s) => s.samples.length === 2))
    assert.equal(result.droppedByRelabel, 1)
  })
})
