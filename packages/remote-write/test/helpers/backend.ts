import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { snappyDecode } from '@sluice/wire'
import { decodeWriteRequest, type TestSeries } from './prom.ts'

/** One request as the fake backend saw it, decoded. */
export interface SeenRequest {
  headers: IncomingHttpHeaders
  series: TestSeries[]
  /** performance.now() when the request arrived. */
  at: number
}

export interface Reply {
  status: number
  headers?: Record<string, string>
  body?: string
  /** Milliseconds to wait before answering. */
  delayMs?: number
}

/**
 * A remote-write receiver on 127.0.0.1 that decodes every request, answers as `reply` says, and keeps
 * the requests it answered with 2xx in `accepted`.
 */
export class FakeBackend {
  readonly seen: SeenRequest[] = []
  readonly accepted: SeenRequest[] = []
  reply: (request: SeenRequest, index: number) => Reply = () => ({ status: 204 })
  readonly #server: Server
  readonly #timers = new Set<NodeJS.Timeout>()

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const request: SeenRequest = {
          headers: req.headers,
          series: decodeWriteRequest(snappyDecode(Buffer.concat(chunks))),
          at: performance.now(),
        }
        const reply = this.reply(request, this.seen.length)
        this.seen.push(request)
        const answer = () => {
          if (reply.status >= 200 && reply.status < 300) this.accepted.push(request)
          res.writeHead(reply.status, reply.headers).end(reply.body ?? '')
        }
        if (reply.delayMs === undefined) answer()
        else {
          const timer = setTimeout(() => {
            this.#timers.delete(timer)
            answer()
          }, reply.delayMs)
          this.#timers.add(timer)
        }
      })
    })
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, '127.0.0.1', () => resolve())
    })
  }

  close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }

  /** The `n` label of every accepted series of `shard`, in arrival order. */
  acceptedOf(shard: number): number[] {
    return this.accepted.flatMap((request) =>
      request.series.filter((s) => s.labels.shard === String(shard)).map((s) => Number(s.labels.n)),
    )
  }

  /** Resolves once `done()` holds, polling; rejects after `timeoutMs`. */
  async waitFor(done: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the fake backend')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}
