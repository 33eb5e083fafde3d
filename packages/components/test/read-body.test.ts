import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test } from 'node:test'
import { HttpServers, readBody } from '@sluice/components'
import { nullLogger } from '@sluice/telemetry'

/** Serves readBody's outcome: the body's bytes, whether it owns its ArrayBuffer, or the error status. */
async function server(limit: number) {
  const http = new HttpServers(nullLogger)
  await http.route('127.0.0.1', 0, 'POST', '/b', async (req, res) => {
    try {
      const body = await readBody(req, limit)
      const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
      res.end(JSON.stringify({ text: Buffer.from(body).toString(), owned }))
    } catch (err) {
      res.writeHead((err as { status: number }).status).end()
    }
  })
  return { http, port: http.boundPort(0)! }
}

/** Posts `parts` as separate writes; without `length` the body goes chunked (no Content-Length). */
function post(port: number, parts: string[], length?: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, number> = length === undefined ? {} : { 'content-length': length }
    const req = request({ host: '127.0.0.1', port, path: '/b', method: 'POST', headers }, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode!, text }))
    })
    req.on('error', reject)
    for (const part of parts) req.write(part)
    req.end()
  })
}

test('readBody returns the whole body in a buffer of its own, with or without Content-Length', async (t) => {
  const { http, port } = await server(100)
  t.after(() => http.close())
  const parts = ['abc', 'defgh', 'ij']
  for (const length of [10, undefined]) {
    const { status, text } = await post(port, parts, length)
    assert.equal(status, 200)
    assert.deepEqual(JSON.parse(text), { text: 'abcdefghij', owned: true })
  }
})

test('readBody refuses a body over the limit with 413, declared or streamed', async (t) => {
  const { http, port } = await server(8)
  t.after(() => http.close())
  assert.equal((await post(port, ['0123456789'], 10)).status, 413)
  assert.equal((await post(port, ['01234', '56789'])).status, 413)
  assert.equal((await post(port, ['01234', '567'])).status, 200)
})
