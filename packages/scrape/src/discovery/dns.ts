import { lookup, resolveMx, resolveSrv } from 'node:dns/promises'
import { type Label, sortLabels } from '@sluice/contracts'
import { type Logger, nullLogger } from '@sluice/telemetry'
import type { Target } from '../config.ts'

/** The record types `discovery.dns` queries. */
export type DnsRecordType = 'A' | 'AAAA' | 'SRV' | 'MX'

/** The lookups DNS discovery needs; replaceable in tests. */
export interface DnsResolver {
  /** Addresses of `name` for the family (4 for A, 6 for AAAA). */
  addresses(name: string, family: 4 | 6): Promise<string[]>
  srv(name: string): Promise<{ name: string; port: number }[]>
  mx(name: string): Promise<{ exchange: string }[]>
}

/**
 * Node's resolver. A and AAAA go through the system resolver (getaddrinfo), so `/etc/hosts` names
 * such as `localhost` and container-runtime service names resolve as every other program sees them;
 * SRV and MX are DNS queries.
 */
export const systemResolver: DnsResolver = {
  async addresses(name, family) {
    return (await lookup(name, { all: true, family })).map((a) => a.address)
  },
  srv: (name) => resolveSrv(name),
  mx: (name) => resolveMx(name),
}

/** Options of {@link DnsDiscovery}, as Alloy's `discovery.dns` arguments. */
export interface DnsDiscoveryOptions {
  names: string[]
  /** Default SRV, as in Alloy. */
  type?: DnsRecordType
  /** The port of A, AAAA and MX targets (SRV records carry their own). */
  port?: number
  /** Alloy's default is 30 seconds. */
  refreshIntervalMs?: number
  onTargets: (targets: Target[]) => void
  logger?: Logger
  resolver?: DnsResolver
}

/**
 * DNS-based discovery as Prometheus's dns_sd: queries each name on a timer and reports one target per
 * record, with `__meta_dns_name` and, for SRV, `__meta_dns_srv_record_target` and
 * `__meta_dns_srv_record_port` (for MX, `__meta_dns_mx_record_target`). A name whose lookup fails
 * keeps the targets of its last successful lookup.
 */
export class DnsDiscovery {
  readonly #names: string[]
  readonly #type: DnsRecordType
  readonly #port: number
  readonly #refreshMs: number
  readonly #onTargets: (targets: Target[]) => void
  readonly #logger: Logger
  readonly #resolver: DnsResolver
  readonly #byName = new Map<string, Target[]>()
  #timer: NodeJS.Timeout | undefined
  #lastEmitted: string | undefined
  #stopped = false

  constructor(options: DnsDiscoveryOptions) {
    this.#names = options.names
    this.#type = options.type ?? 'SRV'
    this.#port = options.port ?? 0
    this.#refreshMs = options.refreshIntervalMs ?? 30_000
    this.#onTargets = options.onTargets
    this.#logger = options.logger ?? nullLogger
    this.#resolver = options.resolver ?? systemResolver
  }

  /** Resolves every name once (reporting the result), then keeps refreshing. */
  async start(): Promise<void> {
    await this.refresh()
    const tick = async (): Promise<void> => {
      await this.refresh()
      if (!this.#stopped) this.#timer = setTimeout(tick, this.#refreshMs).unref()
    }
    if (!this.#stopped) this.#timer = setTimeout(tick, this.#refreshMs).unref()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  /** The current target list, in the order of `names`. */
  targets(): Target[] {
    return this.#names.flatMap((n) => this.#byName.get(n) ?? [])
  }

  /** Resolves every name now and reports the targets if they changed. */
  async refresh(): Promise<void> {
    await Promise.all(
      this.#names.map(async (name) => {
        try {
          this.#byName.set(name, await this.#resolve(name))
        } catch (err) {
          this.#logger.warn(
            { name, err: (err as Error).message },
            'DNS lookup failed; keeping previous targets',
          )
        }
      }),
    )
    const targets = this.targets()
    const serialized = JSON.stringify(targets)
    if (this.#stopped || serialized === this.#lastEmitted) return
    this.#lastEmitted = serialized
    this.#onTargets(targets)
  }

  async #resolve(name: string): Promise<Target[]> {
    const r = this.#resolver
    switch (this.#type) {
      case 'A':
      case 'AAAA': {
        const family = this.#type === 'A' ? 4 : 6
        return (await r.addresses(name, family)).map((ip) => target(name, hostPort(ip, this.#port), []))
      }
      case 'SRV':
        return (await r.srv(name)).map((rec) => {
          const host = trimDot(rec.name)
          return target(name, hostPort(host, rec.port), [
            { name: '__meta_dns_srv_record_port', value: String(rec.port) },
            { name: '__meta_dns_srv_record_target', value: host },
          ])
        })
      case 'MX':
        return (await r.mx(name)).map((rec) => {
          const host = trimDot(rec.exchange)
          return target(name, hostPort(host, this.#port), [
            { name: '__meta_dns_mx_record_target', value: host },
          ])
        })
    }
  }
}

function target(name: string, address: string, extra: Label[]): Target {
  const labels: Label[] = [
    { name: '__address__', value: address },
    { name: '__meta_dns_name', value: name },
    ...extra,
  ]
  sortLabels(labels)
  return { labels }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

function trimDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host
}
