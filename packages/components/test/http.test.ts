import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HttpServers, protocolOf } from '@sluice/components'
import { nullLogger } from '@sluice/telemetry'

test('routes on one port share a server; unknown paths are 404 and wrong methods 405', async () => {
  const http = new HttpServers(nullLogger)
  const removeA = await http.route('127.0.0.1', 0, 'GET', '/a', (_req, res) => void res.end('a'))
  const port = http.boundPort(0)!
  const base = `http://127.0.0.1:${port}`
  assert.equal(await (await fetch(`${base}/a`)).text(), 'a')
  assert.equal((await fetch(`${base}/b`)).status, 404)
  const wrong = await fetch(`${base}/a`, { method: 'POST' })
  assert.equal(wrong.status, 405)
  assert.equal(wrong.headers.get('allow'), 'GET')
  await assert.rejects(
    http.route('127.0.0.1', 0, 'GET', '/a', () => {}),
    /already served/,
  )
  await removeA()
  await http.close()
})

test('the remote-write message is read from Content-Type as Prometheus does', () => {
  const v1 = ['prometheus.WriteRequest']
  const both = [...v1, 'io.prometheus.write.v2.Request']
  assert.equal(protocolOf(undefined, v1), 'v1')
  assert.equal(protocolOf('application/x-protobuf', v1), 'v1')
  assert.equal(protocolOf('application/x-protobuf;proto=io.prometheus.write.v2.Request', both), 'v2')
  assert.throws(() => protocolOf('application/x-protobuf;proto=io.prometheus.write.v2.Request', v1), {
    status: 415,
  })
  assert.throws(() => protocolOf('application/json', v1), { status: 415 })
  assert.throws(() => protocolOf('application/x-protobuf;proto=foo.Bar', both), { status: 415 })
})
