import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SluiceError } from '@sluice/contracts'
import type { Logger } from '@sluice/telemetry'

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

/** A request body over the configured limit; receivers answer 413. */
export class BodyTooLargeError extends SluiceError {
  constructor(limit: number) {
    super('SLUICE_ERR_BODY_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`, { status: 413 })
  }
}

interface Listener {
  server: Server
  host: string
  port: number
  routes: Map<string, Handler>
  ready: Promise<void>
}

const WILDCARDS = new Set(['0.0.0.0', '::', ''])

/**
 * The HTTP listeners of a node. Components register routes on a host:port; routes on the same port
 * share one server, because the seed configurations put `prometheus.receive_http` on the port the
 * node itself serves (12345) and Alloy users expect that to work. A wildcard address on a shared port
 * widens the whole listener to it.
 */
export class HttpServers {
  readonly #listeners = new Map<number, Listener>()
  readonly #logger: Logger

  constructor(logger: Logger) {
    this.#logger = logger
  }

  /** Adds a route; resolves once the listener is bound. Returns a function that removes the route. */
  async route(
    host: string,
    port: number,
    method: string,
    path: string,
    handler: Handler,
  ): Promise<() => Promise<void>> {
    const key = `${method.toUpperCase()} ${path}`
    let listener = this.#listeners.get(port)
    if (listener && WILDCARDS.has(host) && !WILDCARDS.has(listener.host)) {
      await this.#rebind(listener, host)
    }
    if (!listener) listener = this.#listen(host, port)
    if (listener.routes.has(key)) {
      throw new SluiceError('SLUICE_ERR_ROUTE_TAKEN', `${key} is already served on port ${port}`, {
        status: 500,
      })
    }
    listener.routes.set(key, handler)
    try {
      await listener.ready
    } catch (err) {
      listener.routes.delete(key)
      if (listener.routes.size === 0) this.#listeners.delete(port)
      throw err
    }
    const bound = listener
    return async () => {
      if (bound.routes.get(key) !== handler) return
      bound.routes.delete(key)
      if (bound.routes.size === 0 && this.#listeners.get(port) === bound) {
        this.#listeners.delete(port)
        await closeServer(bound.server)
      }
    }
  }

  /** The port actually bound for a requested port (differs only for port 0). */
  boundPort(port: number): number | undefined {
    const address = this.#listeners.get(port)?.server.address() as AddressInfo | null | undefined
    return address?.port
  }

  async close(): Promise<void> {
    const all = [...this.#listeners.values()]
    this.#listeners.clear()
    await Promise.all(all.map((l) => closeServer(l.server)))
  }

  #listen(host: string, port: number): Listener {
    const routes = new Map<string, Handler>()
    const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!
      const handler = routes.get(`${req.method} ${path}`)
      if (!handler) {
        const allowed = [...routes.keys()].filter((k) => k.endsWith(` ${path}`)).map((k) => k.split(' ')[0])
        if (allowed.length > 0) {
          res
            .writeHead(405, { allow: allowed.join(', '), 'content-type': 'text/plain' })
            .end('method not allowed\n')
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
        }
        req.resume()
        return
      }
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((err: unknown) => {
          this.#logger.error({ err, path }, 'request handler failed')
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n')
          else res.destroy()
        })
    })
    const listener: Listener = { server, host, port, routes, ready: bind(server, host, port) }
    this.#listeners.set(port, listener)
    return listener
  }

  async #rebind(listener: Listener, host: string): Promise<void> {
    await listener.ready
    await closeServer(listener.server)
    const fresh = this.#listen(host, listener.port)
    for (const [key, handler] of listener.routes) fresh.routes.set(key, handler)
    listener.server = fresh.server
    listener.host = host
    listener.ready = fresh.ready
    listener.routes = fresh.routes
    this.#listeners.set(listener.port, listener)
    await listener.ready
  }
}

function bind(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new SluiceError(
          'SLUICE_ERR_LISTEN',
          `cannot listen on ${host || '0.0.0.0'}:${port}: ${err.message}`,
          { cause: err },
        ),
      ),
    )
    server.listen(port, host || '0.0.0.0', () => resolve())
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
}

/**
 * Reads a request body into one buffer of its own, failing as soon as it passes `limit` bytes. The
 * result never shares Node's buffer pool, so it can be moved to a worker thread without a copy. With
 * a Content-Length (what remote-write senders send) the buffer is allocated once at that size and
 * chunks are copied in as they arrive, instead of being kept and joined at the end.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    throw new BodyTooLargeError(limit)
  }
  // Node's parser never delivers more than Content-Length bytes, and fails a shorter body.
  if (Number.isInteger(declared) && declared >= 0) {
    const body = new Uint8Array(declared)
    let offset = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      body.set(chunk, offset)
      offset += chunk.length
    }
    return body
  }
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length
    if (total > limit) {
      req.resume()
      throw new BodyTooLargeError(limit)
    }
    chunks.push(chunk)
  }
  const body = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.length
  }
  return body
}

/** Answers an error the way Prometheus's receivers do: a status and a one-line plain-text reason. */
export function sendError(res: ServerResponse, err: unknown): void {
  const status = err instanceof SluiceError ? err.status : 500
  const message = err instanceof Error ? err.message : String(err)
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`)
}
