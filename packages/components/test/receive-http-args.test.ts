import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ComponentContext } from '@sluice/runtime'
import { prometheusReceiveHttp } from '../src/prometheus-receive-http.ts'
import type { NodeServices } from '../src/services.ts'

test('clustering.shard_by_labels refuses an empty label name before the component starts', async () => {
  const ctx = { id: 'prometheus.receive_http.ingest' } as ComponentContext<NodeServices>
  await assert.rejects(
    prometheusReceiveHttp.build(ctx, { clustering: { enabled: true, shard_by_labels: ['agent', ''] } }),
    { code: 'SLUICE_ERR_CONFIG', status: 400, message: /prometheus.receive_http.ingest: .*empty label name/ },
  )
})
