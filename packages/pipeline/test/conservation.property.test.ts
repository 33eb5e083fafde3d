import assert from 'node:assert/strict'
import { it } from 'node:test'
import { OwnershipTable } from '@sluice/cluster/ownership'
import { hashLabels, type TimeSeries } from '@sluice/wire'
import fc from 'fast-check'
import { decodeForwardBody, PushRunner, type StagePlan } from '../src/index.ts'
import { decode, encode, LIMITS, unpack } from './fixtures.ts'

const TABLE = new OwnershipTable(
  ['n1', 'n2', 'n3'].map((id) => ({ id, name: id, dataUrl: `http://${id}.invalid` })),
)

/** A series whose `id` label is unique in its request, so every output can be traced back to it. */
function series(id: number, job: string, samples: number): TimeSeries {
  return {
    labels: [
      { name: '__name__', value: 'm' },
      { name: 'id', value: String(id) },
      { name: 'job', value: job },
    ],
    samples: Array.from({ length: samples }, (_, k) => ({ value: k, timestamp: 1000 + k })),
    exemplars: [],
    histograms: [],
  }
}

const arbRequest = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 3 })), {
  maxLength: 60,
})

it('loses and duplicates no series across local, forwarded and dropped outputs', () => {
  const runner = new PushRunner()
  fc.assert(
    fc.property(
      arbRequest,
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 1, max: 5 }),
      fc.subarray(['a', 'b', 'c']),
      fc.boolean(),
      (shape, selfIndex, shards, droppedJobs, routed) => {
        const input = shape.map(([job, samples], i) => series(i, job, samples))
        const dropRegex = droppedJobs.length === 0 ? 'none' : droppedJobs.join('|')
        const plan: StagePlan[] = [
          {
            kind: 'relabel',
            id: 'r',
            cacheSize: 50,
            rules: [
              { source_labels: ['job'], regex: dropRegex, action: 'drop' },
              { target_label: 'env', replacement: 'p' },
            ],
            next: [{ kind: 'sink', id: 's', shards, externalLabels: [], writeRelabel: [] }],
          },
        ]
        const result = runner.run({
          body: encode(input),
          encoding: 'identity',
          protocol: 'v1',
          limits: LIMITS,
          plan,
          ...(routed ? { ownership: { table: TABLE.toPlain(), selfIndex } } : {}),
        })

        const seen: string[] = []
        let samplesOut = 0
        // Sink outputs are snappy blocks; what is forwarded to other owners is the same, framed.
        const outputs = [...result.local, ...result.remote.flatMap((o) => decodeForwardBody(o.payload))].map(
          (o) => ({ raw: unpack(o.payload), series: o.series }),
        )
        for (const out of outputs) {
          const ts = decode(out.raw).timeseries
          assert.equal(ts.length, out.series)
          for (const s of ts) {
            seen.push(s.labels.find((l) => l.name === 'id')!.value)
            samplesOut += s.samples.length
          }
        }
        assert.equal(new Set(seen).size, seen.length, 'no series twice')

        // What should have happened to each series, decided independently of the pipeline.
        const expected: string[] = []
        let dropped = 0
        let droppedSamples = 0
        const forwarded = new Map<number, number>()
        for (const s of input) {
          const h = hashLabels(s.labels)
          const owner = routed ? TABLE.ownerIndexOfHash(Number(h >> 32n), Number(h & 0xffffffffn)) : selfIndex
          const job = s.labels[2]!.value
          // Every series runs the plan here, whoever owns it; only the records are forwarded.
          if (owner !== selfIndex) forwarded.set(owner, (forwarded.get(owner) ?? 0) + 1)
          if (droppedJobs.includes(job)) {
            dropped++
            droppedSamples += s.samples.length
          } else expected.push(s.labels[1]!.value)
        }
        assert.deepEqual(seen.sort(), expected.sort())
        assert.equal(result.droppedByRelabel, dropped)
        for (const r of result.remote) assert.equal(r.series, forwarded.get(r.ownerIndex))
        assert.equal(result.seriesIn, input.length)
        assert.equal(samplesOut + droppedSamples, result.samplesIn)
      },
    ),
    { numRuns: 150 },
  )
})
