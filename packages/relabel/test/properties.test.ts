// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${1}` here is relabel template syntax, not JS.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Label } from '@sluice/contracts'
import fc from 'fast-check'
import { compareLabelNames, compileRules, RelabelCache, type RelabelRule } from '../src/index.ts'

const names = ['__name__', '__tmp_a', 'a', 'b', 'job', 'instance', 'zone']
const values = ['', 'x', 'y', 'foo', 'bar', 'a;b', 'FOO', '1']

const arbLabels: fc.Arbitrary<Label[]> = fc
  .uniqueArray(fc.constantFrom(...names), { maxLength: names.length })
  .chain((picked) =>
    fc.tuple(
      ...picked.map((name) =>
        fc.constantFrom(...values.filter((v) => v !== '')).map((value) => ({ name, value })),
      ),
    ),
  )
  .map((labels) => [...labels].sort((x, y) => compareLabelNames(x.name, y.name)))

const arbRegex = fc.constantFrom('(.*)', 'f.*', 'x|y', '', '.*o.*', '(?i)FOO', 'a|b', '(.+)', '_.*', '__.*')
const arbSources = fc.array(fc.constantFrom(...names), { maxLength: 3 })
const arbTarget = fc.constantFrom('a', 'b', 'new', 'zone', '__name__', '${1}', 'x_$1')

const arbRule: fc.Arbitrary<RelabelRule> = fc.oneof(
  fc.record({
    action: fc.constant('replace' as const),
    source_labels: arbSources,
    regex: arbRegex,
    target_label: arbTarget,
    replacement: fc.constantFrom('$1', 'static', '${1}-x', ''),
  }),
  fc.record({
    action: fc.constantFrom('keep' as const, 'drop' as const),
    source_labels: arbSources,
    regex: arbRegex,
  }),
  fc.record({
    action: fc.constantFrom('keepequal' as const, 'dropequal' as const),
    source_labels: arbSources,
    target_label: fc.constantFrom('a', 'b'),
  }),
  fc.record({
    action: fc.constant('hashmod' as const),
    source_labels: arbSources,
    target_label: fc.constantFrom('a', 'shard'),
    modulus: fc.integer({ min: 1, max: 1000 }),
  }),
  fc.record({
    action: fc.constant('labelmap' as const),
    regex: arbRegex,
    replacement: fc.constantFrom('$1', 'm_$1'),
  }),
  fc.record({ action: fc.constantFrom('labeldrop' as const, 'labelkeep' as const), regex: arbRegex }),
  fc.record({
    action: fc.constantFrom('lowercase' as const, 'uppercase' as const),
    source_labels: arbSources,
    target_label: fc.constantFrom('a', 'low'),
  }),
)

const arbRules = fc.array(arbRule, { maxLength: 6 })

function assertLabelSet(labels: readonly Label[]): void {
  for (let i = 1; i < labels.length; i++) {
    assert.ok(compareLabelNames(labels[i - 1]!.name, labels[i]!.name) < 0, 'sorted with unique names')
  }
  for (const l of labels) assert.notEqual(l.value, '', 'no empty values')
}

describe('relabel properties', () => {
  it('process is deterministic, including across a reused relabeler', () => {
    fc.assert(
      fc.property(arbRules, arbLabels, arbLabels, (rules, first, second) => {
        const r = compileRules(rules)
        const a = r.process(first)
        r.process(second)
        assert.deepEqual(r.process(first), a)
        assert.deepEqual(compileRules(rules).process(first), a)
      }),
      { numRuns: 300 },
    )
  })

  it('output is sorted by name with unique names and no empty values', () => {
    fc.assert(
      fc.property(arbRules, arbLabels, (rules, labels) => {
        const out = compileRules(rules).process(labels)
        if (out !== null) assertLabelSet(out)
      }),
      { numRuns: 300 },
    )
  })

  it('does not modify its input', () => {
    fc.assert(
      fc.property(arbRules, arbLabels, (rules, labels) => {
        const copy = structuredClone(labels)
        compileRules(rules).process(labels)
        assert.deepEqual(labels, copy)
      }),
      { numRuns: 200 },
    )
  })

  it('keep and drop with the same source and regex are complements', () => {
    fc.assert(
      fc.property(arbSources, arbRegex, arbLabels, (sources, regex, labels) => {
        const kept = compileRules([{ action: 'keep', source_labels: sources, regex }]).process(labels)
        const dropped = compileRules([{ action: 'drop', source_labels: sources, regex }]).process(labels)
        assert.equal(kept === null, dropped !== null)
        assert.deepEqual(kept ?? dropped, labels)
      }),
      { numRuns: 300 },
    )
  })

  it('keepequal and dropequal are complements', () => {
    fc.assert(
      fc.property(arbSources, fc.constantFrom('a', 'b', 'zone'), arbLabels, (sources, target, labels) => {
        const rule = { source_labels: sources, target_label: target }
        const kept = compileRules([{ ...rule, action: 'keepequal' }]).process(labels)
        const dropped = compileRules([{ ...rule, action: 'dropequal' }]).process(labels)
        assert.equal(kept === null, dropped !== null)
      }),
      { numRuns: 200 },
    )
  })

  it('returns the input array itself when only filtering or no-op rules ran', () => {
    const arbFilter: fc.Arbitrary<RelabelRule> = fc.oneof(
      fc.record({
        action: fc.constantFrom('keep' as const, 'drop' as const),
        source_labels: arbSources,
        regex: arbRegex,
      }),
      fc.record({
        action: fc.constantFrom('keepequal' as const, 'dropequal' as const),
        source_labels: arbSources,
        target_label: fc.constantFrom('a', 'b'),
      }),
      // Writes every label's current value back: a change of nothing.
      fc.constantFrom<RelabelRule>(
        { action: 'labelmap', regex: '(.*)' },
        { action: 'labeldrop', regex: 'absent' },
      ),
    )
    fc.assert(
      fc.property(fc.array(arbFilter, { maxLength: 5 }), arbLabels, (rules, labels) => {
        const out = compileRules(rules).process(labels)
        assert.ok(out === null || out === labels)
      }),
      { numRuns: 200 },
    )
  })

  it('the cache gives the same results as the uncached relabeler, even when evicting', () => {
    fc.assert(
      fc.property(
        arbRules,
        fc.array(arbLabels, { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        (rules, sets, max) => {
          const r = compileRules(rules)
          const cache = new RelabelCache(r, { maxEntries: max })
          for (const labels of [...sets, ...sets]) {
            assert.deepEqual(cache.process(labels), r.process(labels))
            assert.ok(cache.size <= max)
          }
        },
      ),
      { numRuns: 150 },
    )
  })
})
