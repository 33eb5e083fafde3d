import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  BadDurationError,
  finalTargetLabels,
  formatDurationMs,
  parseDurationMs,
  resolveTarget,
  targetKey,
} from '../src/index.ts'
import { asRecord, labelsOf, testConfig } from './helpers.ts'

describe('targetKey', () => {
  test('ignores __meta_ labels and label order', () => {
    const a = { labels: labelsOf({ __address__: 'h:1', env: 'prod', __meta_x: '1' }) }
    const b = { labels: [...labelsOf({ env: 'prod', __address__: 'h:1', __meta_y: '2' })].reverse() }
    assert.equal(targetKey(a), targetKey(b))
  })

  test('differs when a non-meta label differs, even when values contain separators', () => {
    const a = { labels: labelsOf({ __address__: 'h:1', a: 'x","b' }) }
    const b = { labels: labelsOf({ __address__: 'h:1', a: 'x', b: '' }) }
    assert.notEqual(targetKey(a), targetKey(b))
    assert.notEqual(
      targetKey({ labels: labelsOf({ __address__: 'h:1' }) }),
      targetKey({ labels: labelsOf({ __address__: 'h:2' }) }),
    )
  })
})

describe('finalTargetLabels', () => {
  test('adds job and instance and drops every __ label', () => {
    const labels = finalTargetLabels(
      { labels: labelsOf({ __address__: 'h:9100', __meta_dns_name: 'n', __scheme__: 'https', team: 'a' }) },
      testConfig({ job_name: 'node' }),
    )
    assert.deepEqual(labels, labelsOf({ instance: 'h:9100', job: 'node', team: 'a' }))
  })

  test('keeps job and instance set by discovery', () => {
    const labels = finalTargetLabels(
      { labels: labelsOf({ __address__: 'h:1', instance: 'web-1', job: 'mine' }) },
      testConfig(),
    )
    assert.deepEqual(asRecord(labels!), { instance: 'web-1', job: 'mine' })
  })

  test('rejects a target without __address__, with a path in it, or with a timeout longer than its interval', () => {
    assert.equal(finalTargetLabels({ labels: labelsOf({ job: 'x' }) }, testConfig()), null)
    assert.equal(finalTargetLabels({ labels: labelsOf({ __address__: 'h:1/metrics' }) }, testConfig()), null)
    const slow = {
      labels: labelsOf({ __address__: 'h:1', __scrape_interval__: '1s', __scrape_timeout__: '2s' }),
    }
    assert.equal(finalTargetLabels(slow, testConfig()), null)
  })
})

describe('resolveTarget', () => {
  test('builds the URL from scheme, path and params, with __param_ labels overriding the first value', () => {
    const r = resolveTarget(
      { labels: labelsOf({ __address__: 'h:1', __metrics_path__: '/probe', __param_module: 'icmp' }) },
      testConfig({ scheme: 'https', params: { module: ['http_2xx', 'extra'], target: ['x y'] } }),
    )
    assert.equal(r?.url, 'https://h:1/probe?module=icmp&module=extra&target=x+y')
  })

  test('takes per-target interval and timeout labels', () => {
    const r = resolveTarget(
      { labels: labelsOf({ __address__: 'h:1', __scrape_interval__: '1m30s', __scrape_timeout__: '500ms' }) },
      testConfig(),
    )
    assert.equal(r?.intervalMs, 90_000)
    assert.equal(r?.timeoutMs, 500)
  })
})

describe('durations', () => {
  test('parse Prometheus durations and reject others', () => {
    assert.equal(parseDurationMs('15s'), 15_000)
    assert.equal(parseDurationMs('1h2m3s4ms'), 3_723_004)
    assert.equal(parseDurationMs('1d'), 86_400_000)
    assert.throws(() => parseDurationMs('1.5s'), BadDurationError)
    assert.throws(() => parseDurationMs('s'), BadDurationError)
    assert.throws(() => parseDurationMs('10 s'), BadDurationError)
  })

  test('format then parse gives back the milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 * 365 * 86_400_000 }), (ms) => {
        assert.equal(parseDurationMs(formatDurationMs(ms)), ms)
      }),
    )
    assert.equal(formatDurationMs(60_000), '1m')
    assert.equal(formatDurationMs(90_500), '1m30s500ms')
  })
})
