import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeLokiPush, type LokiPushRequest, snappyDecode } from '@sluice/wire'

/** What the fake Loki received in one request. */
export interface Received {
  headers: IncomingHttpHeaders
  push: LokiPushRequest
}

/**
 * A Loki push endpoint for tests: decodes every request (snappy, then protobuf) and answers with the
 * next status of `script` (then 204 forever).
 */
export class FakeLoki {
  readonly received: Received[] = []
  readonly statuses: number[] = []
  readonly #server: Server
  #script: number[]

  constructor(script: number[] = []) {
    this.#script = [...script]
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const status = this.#script.shift() ?? 204
        this.statuses.push(status)
        if (status < 300)
          this.received.push({
            headers: req.headers,
            push: decodeLokiPush(snappyDecode(Buffer.concat(chunks))),
          })
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? '' : `status ${status}\n`)
      })
    })
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/loki/api/v1/push`
  }

  /** Lines received, per stream label string, in arrival order. */
  lines(): Map<string, string[]> {
    const out = new Map<string, string[]>()
    for (const r of this.received) {
      for (const s of r.push.streams) {
        const key = s.labels.map((l) => `${l.name}=${l.value}`).join(',')
        const list = out.get(key) ?? []
        list.push(...s.entries.map((e) => e.line))
        out.set(key, list)
      }
    }
    return out
  }

  /** Entries received, all streams together. */
  entries(): number {
    return this.received.reduce((n, r) => n + r.push.streams.reduce((m, s) => m + s.entries.length, 0), 0)
  }

  async waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the fake Loki')
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  close(): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}
