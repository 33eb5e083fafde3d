import { MetricsPipeline, PushRunner } from './src/index.ts'
import { resolveLimits, snappyEncode, encodeWriteRequest } from '@sluice/wire'
const LIMITS = resolveLimits()
const mk = (r: number) => snappyEncode(encodeWriteRequest({ timeseries: Array.from({ length: 2000 }, (_, i) => ({ labels: [
  { name: '__name__', value: `http_requests_total_${i % 40}` }, { name: 'env', value: 'prod' }, { name: 'instance', value: `10.0.${i % 16}.${i % 250}:9100` },
  { name: 'job', value: `service-${i % 12}` }, { name: 'path', value: `/api/v1/resource/${i % 97}` }],
  samples: [{ value: i + r, timestamp: 1_700_000_000_000 + r }] })) }))
const bodies = Array.from({ length: 8 }, (_, r) => mk(r))
const plan = [{ kind: 'relabel' as const, id: 'b', cacheSize: 100000, rules: [{ target_label: 'cluster', replacement: 'eu' }],
  next: [{ kind: 'sink' as const, id: 's', shards: 4, externalLabels: [], writeRelabel: [] }] }]
const job = (n: number) => ({ body: bodies[n % 8]!.slice(), encoding: 'snappy' as const, protocol: 'v1' as const, limits: LIMITS, plan })
const r = new PushRunner()
for (let i = 0; i < 50; i++) r.run(job(i))
let t0 = performance.now(); for (let i = 0; i < 200; i++) r.run(job(i)); console.log('runner ms/push', ((performance.now() - t0) / 200).toFixed(3))
const p = new MetricsPipeline({ threads: 1 })
for (let i = 0; i < 50; i++) await p.push(job(i))
t0 = performance.now(); for (let i = 0; i < 200; i++) await p.push(job(i)); console.log('pool seq ms/push', ((performance.now() - t0) / 200).toFixed(3))
await p.close()
