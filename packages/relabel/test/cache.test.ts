import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Label } from '@sluice/contracts'
import { Registry } from '@sluice/telemetry'
import fc from 'fast-check'
import { cacheKey } from '../src/cache.ts'
import { compileRules, RelabelCache, RelabelConfigError } from '../src/index.ts'

const relabeler = compileRules([
  { source_labels: ['drop'], regex: 'yes', action: 'drop' },
  { source_labels: ['a'], target_label: 'copy' },
])

function set(a: string, extra: Label[] = []): Label[] {
  return [{ name: 'a', value: a }, ...extra]
}

/** The relabeler above, counting how often it runs. */
function countingRelabeler(): { calls: number; process(labels: readonly Label[]): Label[] | null } {
  return {
    calls: 0,
    process(labels) {
      this.calls++
      return relabeler.process(labels)
    },
  }
}

describe('RelabelCache', () => {
  it('returns what the relabeler returns, on a miss and on a hit', () => {
    const cache = new RelabelCache(relabeler, { maxEntries: 10 })
    const expected = [
      { name: 'a', value: '1' },
      { name: 'copy', value: '1' },
    ]
    assert.deepEqual(cache.process(set('1')), expected)
    assert.deepEqual(cache.process(set('1')), expected)
    assert.equal(cache.size, 1)
  })

  it('caches dropped series as null', () => {
    const cache = new RelabelCache(relabeler, { maxEntries: 10 })
    const dropped = set('1', [{ name: 'drop', value: 'yes' }])
    assert.equal(cache.process(dropped), null)
    assert.equal(cache.process(dropped), null)
    assert.equal(cache.size, 1)
  })

  it('serves hits from the cache without calling the relabeler again', () => {
    const counting = countingRelabeler()
    const cache = new RelabelCache(counting, { maxEntries: 10 })
    cache.process(set('1'))
    cache.process(set('1'))
    cache.process(set('2'))
    assert.equal(counting.calls, 2)
  })

  it('never holds more than maxEntries and counts evictions', () => {
    const cache = new RelabelCache(relabeler, { maxEntries: 3 })
    for (let i = 0; i < 10; i++) cache.process(set(String(i)))
    assert.equal(cache.size, 3)
    assert.equal(cache.evictions, 7)
  })

  it('evicts entries not used since the clock last passed them, keeping recently used ones', () => {
    const counting = countingRelabeler()
    const cache = new RelabelCache(counting, { maxEntries: 2 })
    cache.process(set('a'))
    cache.process(set('b'))
    cache.process(set('a')) // a is now the most recent
    cache.process(set('c')) // evicts b
    counting.calls = 0
    cache.process(set('a'))
    assert.equal(counting.calls, 0, 'a should still be cached')
    cache.process(set('b'))
    assert.equal(counting.calls, 1, 'b should have been evicted')
  })

  it('builds equal keys exactly for equal label sets, whatever characters they contain', () => {
    // A tiny alphabet makes colliding pairs likely: a key that only joins fields with U+00FF fails here.
    const field = fc.string({ unit: fc.constantFrom('a', '\xff', '1', ':'), maxLength: 2 })
    const arbSet = fc.array(fc.record({ name: field, value: field }), { maxLength: 2 })
    fc.assert(
      fc.property(arbSet, arbSet, (x, y) => {
        assert.equal(cacheKey(x) === cacheKey(y), JSON.stringify(x) === JSON.stringify(y))
      }),
      { numRuns: 3000 },
    )
  })

  it('keys label sets injectively even when values contain separator-like characters', () => {
    const identity = compileRules([])
    const cache = new RelabelCache(identity, { maxEntries: 10 })
    const one: Label[] = [{ name: 'a', value: 'b\xffc\xffd' }]
    const two: Label[] = [
      { name: 'a', value: 'b' },
      { name: 'c', value: 'd' },
    ]
    assert.deepEqual(cache.process(one), one)
    assert.deepEqual(cache.process(two), two)
    assert.equal(cache.size, 2)
  })

  it('stores a copy of an unchanged input, so later changes by the caller do not leak in', () => {
    const identity = compileRules([])
    const cache = new RelabelCache(identity, { maxEntries: 10 })
    const input: Label[] = [{ name: 'a', value: '1' }]
    cache.process(input)
    input.push({ name: 'z', value: 'late' })
    assert.deepEqual(cache.process([{ name: 'a', value: '1' }]), [{ name: 'a', value: '1' }])
  })

  it('hands out frozen results', () => {
    const cache = new RelabelCache(relabeler, { maxEntries: 10 })
    const out = cache.process(set('1'))!
    assert.ok(Object.isFrozen(out))
    assert.throws(() => out.push({ name: 'x', value: 'y' }), TypeError)
  })

  it('exports eviction and entry metrics per component, sharing one registry', async () => {
    const registry = new Registry()
    const first = new RelabelCache(relabeler, { maxEntries: 2, registry, component: 'first' })
    const second = new RelabelCache(relabeler, { maxEntries: 5, registry, component: 'second' })
    for (let i = 0; i < 5; i++) first.process(set(String(i)))
    second.process(set('x'))
    const text = await registry.metrics()
    assert.match(text, /sluice_relabel_cache_evictions_total\{component="first"\} 3/)
    assert.match(text, /sluice_relabel_cache_entries\{component="first"\} 2/)
    assert.match(text, /sluice_relabel_cache_entries\{component="second"\} 1/)
  })

  it('rejects a maxEntries that is not a positive integer', () => {
    assert.throws(() => new RelabelCache(relabeler, { maxEntries: 0 }), RelabelConfigError)
    assert.throws(() => new RelabelCache(relabeler, { maxEntries: 1.5 }), RelabelConfigError)
  })
})
