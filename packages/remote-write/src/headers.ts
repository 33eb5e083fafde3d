import { readFile } from 'node:fs/promises'
import packageJson from '../package.json' with { type: 'json' }
import type { EndpointOptions } from './config.ts'
import { RemoteWriteOptionsError } from './errors.ts'

/** Headers the protocol, the HTTP client or the auth options set; configured headers may not. */
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
  'x-prometheus-remote-write-version',
])

/** The headers Prometheus sends with a remote-write 1.0 request. */
const PROTOCOL_HEADERS = Object.freeze({
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-write-version': '0.1.0',
  'user-agent': `Sluice/${packageJson.version}`,
})

/** Builds the headers of every request of one endpoint; options are checked once, here. */
export class RequestHeaders {
  readonly #fixed: Record<string, string>
  readonly #bearerTokenFile: string | undefined

  constructor(options: Pick<EndpointOptions, 'headers' | 'basicAuth' | 'bearerToken' | 'bearerTokenFile'>) {
    const auths = [options.basicAuth, options.bearerToken, options.bearerTokenFile].filter(
      (a) => a !== undefined,
    )
    if (auths.length > 1) {
      throw new RemoteWriteOptionsError(
        'at most one of basic auth, bearer token and bearer token file may be set',
      )
    }
    const fixed: Record<string, string> = {}
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (RESERVED.has(name.toLowerCase())) {
        throw new RemoteWriteOptionsError(`header ${name} is set by Sluice and cannot be configured`)
      }
      fixed[name.toLowerCase()] = value
    }
    Object.assign(fixed, PROTOCOL_HEADERS)
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
