import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { SCRAPE_ACCEPT_HEADER } from '@sluice/wire'
import { Agent, request } from 'undici'
import type { ScrapeConfig } from './config.ts'
import {
  ScrapeBodyTooLargeError,
  ScrapeConnectionError,
  ScrapeError,
  ScrapeHttpStatusError,
  ScrapeTimeoutError,
} from './errors.ts'

const gunzipAsync = promisify(gunzip)
const VERSION: string = createRequire(import.meta.url)('../package.json').version

/** The User-Agent of every scrape, as Prometheus sends `Prometheus/<version>`. */
export const SCRAPE_USER_AGENT = `Sluice/${VERSION}`

/** A scrape's raw answer: the uncompressed body and the Content-Type that says how to parse it. */
export interface ScrapeResponse {
  body: Buffer
  contentType: string
}

/**
 * The HTTP side of scraping for one job: one keep-alive connection pool (undici Agent) shared by all
 * of the job's targets, with the job's TLS and authorization settings.
 */
export class ScrapeHttpClient {
  readonly #agent: Agent
  readonly #config: ScrapeConfig

  constructor(config: ScrapeConfig) {
    this.#config = config
    const tls = config.tls_config ?? {}
    this.#agent = new Agent({
      keepAliveTimeout: 60_000,
      connect: {
        ca: tls.ca_pem,
        cert: tls.cert_pem,
        key: tls.key_pem,
        rejectUnauthorized: tls.insecure_skip_verify !== true,
        servername: tls.server_name,
      },
    })
  }

  /**
   * GETs `url` and returns the uncompressed body. Fails with a {@link ScrapeError}: non-200 status,
   * connection failure, `timeoutMs` elapsed (for the whole exchange, body included), or more than
   * `bodySizeLimit` uncompressed bytes (checked while reading, so a huge body is never buffered).
   */
  async scrape(
    url: string,
    timeoutMs: number,
    bodySizeLimit: number,
    stop?: AbortSignal,
  ): Promise<ScrapeResponse> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = stop === undefined ? timeout : AbortSignal.any([timeout, stop])
    try {
      const headers = await this.#headers(timeoutMs)
      const res = await request(url, { method: 'GET', dispatcher: this.#agent, headers, signal })
      if (res.statusCode !== 200) {
        await res.body.dump()
        throw new ScrapeHttpStatusError(res.statusCode)
      }
      const gzipped = String(res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip'
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length
        // Compressed bytes never outnumber the uncompressed ones by much, so the same bound applies early.
        if (bodySizeLimit > 0 && size > bodySizeLimit) {
          res.body.destroy()
          throw new ScrapeBodyTooLargeError(bodySizeLimit)
        }
        chunks.push(chunk)
      }
      let body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
      if (gzipped) body = await inflate(body, bodySizeLimit)
      return { body, contentType: String(res.headers['content-type'] ?? '') }
    } catch (err) {
      if (err instanceof ScrapeError) throw err
      if (timeout.aborted) throw new ScrapeTimeoutError(timeoutMs)
      throw new ScrapeConnectionError(err)
    }
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.#agent.close()
  }

  async #headers(timeoutMs: number): Promise<Record<string, string>> {
    const c = this.#config
    const headers: Record<string, string> = { ...c.headers }
    headers.accept = SCRAPE_ACCEPT_HEADER
    headers['accept-encoding'] = 'gzip'
    headers['user-agent'] = SCRAPE_USER_AGENT
    headers['x-prometheus-scrape-timeout-seconds'] = String(timeoutMs / 1000)
    if (c.basic_auth !== undefined) {
      const token = Buffer.from(`${c.basic_auth.username}:${c.basic_auth.password}`).toString('base64')
      headers.authorization = `Basic ${token}`
    } else if (c.authorization !== undefined) {
      headers.authorization = `${c.authorization.type || 'Bearer'} ${c.authorization.credentials}`
    } else if (c.bearer_token !== undefined) {
      headers.authorization = `Bearer ${c.bearer_token}`
    } else if (c.bearer_token_file !== undefined) {
      // Read on every scrape, as Prometheus does, so that rotated tokens are picked up.
      headers.authorization = `Bearer ${(await readFile(c.bearer_token_file, 'utf8')).trim()}`
    }
    return headers
  }
}

async function inflate(body: Buffer, limit: number): Promise<Buffer> {
  try {
    // zlib runs on libuv's thread pool; maxOutputLength stops a gzip bomb before it is inflated.
    return await gunzipAsync(body, limit > 0 ? { maxOutputLength: limit } : {})
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ScrapeBodyTooLargeError(limit)
    throw new ScrapeConnectionError(err)
  }
}
