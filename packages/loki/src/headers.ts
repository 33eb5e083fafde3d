import { readFile } from 'node:fs/promises'
import packageJson from '../package.json' with { type: 'json' }
import type { LokiEndpointOptions } from './config.ts'
import { LokiOptionsError } from './errors.ts'

/** Headers the protocol, the HTTP client, the tenant or auth options set; configured headers may not. */
const RESERVED = new Set([
  'authorization',
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'transfer-encoding',
  'user-agent',
  'x-scope-orgid',
])

/**
 * Builds the headers of every request of one endpoint, as Loki's own client sends them: the body is a
 * snappy-compressed protobuf, announced by `Content-Type: application/x-protobuf` alone (Loki's
 * distributor snappy-decodes any non-JSON body; the client sends no Content-Encoding).
 */
export class LokiHeaders {
  readonly #fixed: Record<string, string>
  readonly #bearerTokenFile: string | undefined

  constructor(
    options: Pick<
      LokiEndpointOptions,
      'headers' | 'tenantId' | 'basicAuth' | 'bearerToken' | 'bearerTokenFile'
    >,
  ) {
    const auths = [options.basicAuth, options.bearerToken, options.bearerTokenFile].filter(
      (a) => a !== undefined,
    )
    if (auths.length > 1) {
      throw new LokiOptionsError('at most one of basic auth, bearer token and bearer token file may be set')
    }
    const fixed: Record<string, string> = {}
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (RESERVED.has(name.toLowerCase())) {
        throw new LokiOptionsError(`header ${name} is set by Sluice and cannot be configured`)
      }
      fixed[name.toLowerCase()] = value
    }
    fixed['content-type'] = 'application/x-protobuf'
    fixed['user-agent'] = `Sluice/${packageJson.version}`
    if (options.tenantId) fixed['x-scope-orgid'] = options.tenantId
    if (options.basicAuth !== undefined) {
      const { username, password } = options.basicAuth
      fixed.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
    } else if (options.bearerToken !== undefined) {
      fixed.authorization = `Bearer ${options.bearerToken}`
    }
    this.#fixed = fixed
    this.#bearerTokenFile = options.bearerTokenFile
  }

  /** The headers for one request; rereads the bearer token file so that rotated tokens apply. */
  async build(): Promise<Record<string, string>> {
    if (this.#bearerTokenFile === undefined) return this.#fixed
    const token = (await readFile(this.#bearerTokenFile, 'utf8')).trim()
    return { ...this.#fixed, authorization: `Bearer ${token}` }
  }
}
