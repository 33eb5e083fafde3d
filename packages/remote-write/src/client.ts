import { Pool } from 'undici'
import type { TlsOptions } from './config.ts'
import { parseRetryAfter } from './retry-after.ts'

/** Bytes of an error response kept for the log; backends can answer with whole pages. */
const MESSAGE_LIMIT = 1024

/** Where a client takes the headers of each request (auth files are re-read per request). */
export interface HeaderSource {
  build(): Promise<Record<string, string>>
}

/** The result of one POST. */
export type Outcome =
  | { kind: 'ok'; status: number }
  | { kind: 'status'; status: number; message: string; retryAfterMs: number | undefined }
  | { kind: 'error'; error: unknown; timedOut: boolean; aborted: boolean }

/**
 * A keep-alive connection pool to one endpoint, posting already compressed requests; shared by the
 * remote-write and the Loki senders.
 */
export class EndpointClient {
  readonly #pool: Pool
  readonly #path: string
  readonly #headers: HeaderSource
  readonly #timeoutMs: number

  constructor(
    url: URL,
    options: { connections: number; tls: TlsOptions | undefined; timeoutMs: number },
    headers: HeaderSource,
  ) {
    const tls = options.tls
    this.#pool = new Pool(url.origin, {
      // One request in flight per shard: as many connections as shards, never more.
      connections: options.connections,
      connect:
        tls === undefined
          ? undefined
          : {
              ca: tls.ca,
              cert: tls.cert,
              key: tls.key,
              rejectUnauthorized: tls.insecureSkipVerify !== true,
              servername: tls.serverName,
            },
    })
    this.#path = `${url.pathname}${url.search}`
    this.#headers = headers
    this.#timeoutMs = options.timeoutMs
  }

  /** Posts `body`; never throws: failures come back as an outcome. `abort` cancels the request. */
  async post(body: Uint8Array, abort: AbortSignal): Promise<Outcome> {
    const timeout = AbortSignal.timeout(this.#timeoutMs)
    try {
      const response = await this.#pool.request({
        method: 'POST',
        path: this.#path,
        headers: await this.#headers.build(),
        body,
        signal: AbortSignal.any([timeout, abort]),
      })
      const status = response.statusCode
      if (status >= 200 && status < 300) {
        await response.body.dump()
        return { kind: 'ok', status }
      }
      let message = ''
      for await (const chunk of response.body) {
        message += String(chunk)
        if (message.length >= MESSAGE_LIMIT) break
      }
      return {
        kind: 'status',
        status,
        message: message.slice(0, MESSAGE_LIMIT).trim(),
        retryAfterMs: parseRetryAfter(response.headers['retry-after']),
      }
    } catch (error) {
      return { kind: 'error', error, timedOut: timeout.aborted, aborted: abort.aborted }
    }
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}
