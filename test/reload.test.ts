import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { after, describe, test } from 'node:test'
import { query, startBackend, startSluice } from './lib/peers.ts'
import { Cleanup, freePort, waitFor } from './lib/process.ts'
import { pushSeries } from './lib/push.ts'

function config(ingestPort: number, backendUrl: string, label: string): string {
  return `prometheus.receive_http "ingest" {
	http {
		listen_address = "127.0.0.1"
		listen_port    = ${ingestPort}
	}
	forward_to = [prometheus.relabel.tag.receiver]
}

prometheus.relabel "tag" {
	rule {
		target_label = "stage"
		replacement  = "${label}"
	}
	forward_to = [prometheus.remote_write.backend.receiver]
}

prometheus.remote_write "backend" {
	endpoint {
		url = "${backendUrl}/api/v1/write"

		queue_config {
			batch_send_deadline = "200ms"
		}
	}
}
`
}

describe('hot reload', () => {
  const cleanup = new Cleanup()
  after(() => cleanup.run())

  test('POST /-/reload and SIGHUP apply a new config; a bad one is rejected and the old one keeps running', async () => {
    const backend = await startBackend(cleanup)
    const ingestPort = await freePort()
    const node = await startSluice(cleanup, config(ingestPort, backend.url, 'one'))
    const ingest = `http://127.0.0.1:${ingestPort}/api/v1/metrics/write`
    const push = (name: string) =>
      pushSeries(ingest, [
        { labels: [{ name: '__name__', value: name }], samples: [{ value: 1, timestampMs: Date.now() }] },
      ])
    const stageOf = (name: string) =>
      waitFor(`${name} at the backend`, async () => (await query(backend.url, name))[0]?.metric.stage)

    // A keep-alive connection to the receiver must survive reloads that leave the receiver unchanged.
    assert.equal((await push('before_reload')).status, 204)
    assert.equal(await stageOf('before_reload'), 'one')

    writeFileSync(node.configPath, config(ingestPort, backend.url, 'two'))
    const reloaded = await fetch(`${node.url}/-/reload`, { method: 'POST' })
    assert.equal(reloaded.status, 200, await reloaded.text())
    assert.equal((await push('after_http_reload')).status, 204)
    assert.equal(await stageOf('after_http_reload'), 'two')

    writeFileSync(node.configPath, 'prometheus.relabel "broken" {\n\tforward_to = nope\n}\n')
    const rejected = await fetch(`${node.url}/-/reload`, { method: 'POST' })
    assert.equal(rejected.status, 400)
    assert.match(await rejected.text(), /config\.alloy:2:\d+/)
    assert.equal((await push('after_bad_reload')).status, 204)
    assert.equal(await stageOf('after_bad_reload'), 'two')
    assert.equal((await fetch(`${node.url}/-/ready`)).status, 200)

    writeFileSync(node.configPath, config(ingestPort, backend.url, 'three'))
    node.proc.child.kill('SIGHUP')
    await waitFor(
      'the SIGHUP reload to take effect',
      async () => {
        const name = `after_sighup_${Date.now()}`
        await push(name)
        return (await waitFor(name, async () => (await query(backend.url, name))[0]?.metric.stage, 5000)) ===
          'three'
          ? true
          : undefined
      },
      20_000,
    )
  })
})
