import { readFileSync } from 'node:fs'
import type { BlockSpec } from '@sluice/config'

/** Alloy's HTTP client blocks shared by prometheus.remote_write and loki.write endpoints. */
export const CLIENT_BLOCKS: Record<'basic_auth' | 'authorization' | 'tls_config', BlockSpec> = {
  basic_auth: {
    schema: {
      attrs: {
        username: { type: 'string' },
        password: { type: 'secret' },
        password_file: { type: 'string' },
      },
    },
  },
  authorization: {
    schema: {
      attrs: {
        type: { type: 'string' },
        credentials: { type: 'secret' },
        credentials_file: { type: 'string' },
      },
    },
  },
  tls_config: {
    schema: {
      attrs: {
        ca_pem: { type: 'string' },
        ca_file: { type: 'string' },
        cert_pem: { type: 'string' },
        cert_file: { type: 'string' },
        key_pem: { type: 'secret' },
        key_file: { type: 'string' },
        insecure_skip_verify: { type: 'bool', default: false },
        server_name: { type: 'string' },
        min_version: { type: 'string' },
      },
    },
  },
}

/** The decoded client arguments of an endpoint block. */
export interface ClientArgs {
  headers?: Record<string, string>
  bearer_token?: string
  bearer_token_file?: string
  basic_auth?: { username?: string; password?: string; password_file?: string }
  authorization?: { type?: string; credentials?: string; credentials_file?: string }
  tls_config?: {
    ca_pem?: string
    ca_file?: string
    cert_pem?: string
    cert_file?: string
    key_pem?: string
    key_file?: string
    insecure_skip_verify?: boolean
    server_name?: string
  }
}

/** What both senders take for authentication and TLS (PEM text, not file paths). */
export interface ClientOptions {
  headers: Record<string, string>
  bearerToken?: string
  bearerTokenFile?: string
  basicAuth?: { username: string; password: string }
  tls?: { ca?: string; cert?: string; key?: string; insecureSkipVerify?: boolean; serverName?: string }
}

function inlineOrFile(inline: string | undefined, file: string | undefined): string | undefined {
  if (inline) return inline
  return file ? readFileSync(file, 'utf8').trim() : undefined
}

/**
 * Turns the client arguments into sender options, reading the files they name once, at load time
 * (a `bearer_token_file` is left to the sender, which re-reads it for every request so rotations apply).
 */
export function clientOptions(e: ClientArgs): ClientOptions {
  const options: ClientOptions = { headers: { ...(e.headers ?? {}) } }
  const authorization = inlineOrFile(e.authorization?.credentials, e.authorization?.credentials_file)
  if (authorization) options.headers.authorization = `${e.authorization?.type ?? 'Bearer'} ${authorization}`
  if (e.bearer_token) options.bearerToken = e.bearer_token
  if (e.bearer_token_file) options.bearerTokenFile = e.bearer_token_file
  if (e.basic_auth?.username !== undefined) {
    options.basicAuth = {
      username: e.basic_auth.username,
      password: inlineOrFile(e.basic_auth.password, e.basic_auth.password_file) ?? '',
    }
  }
  const t = e.tls_config
  if (t) {
    const tls: NonNullable<ClientOptions['tls']> = {}
    const ca = t.ca_pem ?? (t.ca_file ? readFileSync(t.ca_file, 'utf8') : undefined)
    const cert = t.cert_pem ?? (t.cert_file ? readFileSync(t.cert_file, 'utf8') : undefined)
    const key = t.key_pem ?? (t.key_file ? readFileSync(t.key_file, 'utf8') : undefined)
    if (ca) tls.ca = ca
    if (cert) tls.cert = cert
    if (key) tls.key = key
    if (t.insecure_skip_verify) tls.insecureSkipVerify = true
    if (t.server_name) tls.serverName = t.server_name
    options.tls = tls
  }
  return options
}
