import { readFile } from 'node:fs/promises'
import packageJson from '../package.json' with { type: 'json' }
import type { EndpointOptions } from './config.ts'
import { RemoteWriteOptionsError } from './errors.ts'

/** Headers the HTTP client or the auth options set; configured headers may not. */
const CLIENT_HEADERS = [
  'authorization',
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'transfer-encoding',
  'user-agent',
]

/** The headers Prometheus sends with a remote-write 1.0 request. */
const PROTOCOL_HEADERS = Object.freeze({
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-write-version': '0.1.0',
})

/** What a protocol adds to the shared header rules. */
export interface HeaderProtocol {
  /** Headers every request of the protocol carries. */
  headers: Readonly<Record<string, string>>
  /** Further header names (lower case) users may not configure. */
  reserved: readonly string[]
  /** The protocol's error for bad options. */
  optionsError(message: string): Error
}

/** The options both senders take for headers and authentication. */
export type HeaderOptions = Pick<EndpointOptions, 'headers' | 'basicAuth' | 'bearerToken' | 'bearerTokenFile'>

/**
 * Builds the headers of every request of one endpoint, for any protocol; options are checked once,
 * here. The remote-write and the Loki senders both use it.
 */
export class EndpointHeaders {
  readonly #fixed: Record<string, string>
  readonly #bearerTokenFile: string | undefined

  constructor(options: HeaderOptions, protocol: HeaderProtocol) {
    const auths = [options.basicAuth, options.bearerToken, options.bearerTokenFile].filter(
      (a) => a !== undefined,
    )
    if (auths.length > 1) {
      throw protocol.optionsError('at most one of basic auth, bearer token and bearer token file may be set')
    }
    const reserved = new Set([...CLIENT_HEADERS, ...Object.keys(protocol.headers), ...protocol.reserved])
    const fixed: Record<string, string> = {}
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (reserved.has(name.toLowerCase())) {
        throw protocol.optionsError(`header ${name} is set by Sluice and cannot be configured`)
      }
      fixed[name.toLowerCase()] = value
    }
    Object.assign(fixed, protocol.headers)
    fixed['user-agent'] = `Sluice/${packageJson.version}`
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

/** Headers of remote-write 1.0 requests. */
export class RequestHeaders extends EndpointHeaders {
  constructor(options: HeaderOptions) {
    super(options, {
      headers: PROTOCOL_HEADERS,
      reserved: [],
      optionsError: (message) => new RemoteWriteOptionsError(message),
    })
  }
}
