import { hostname, type NetworkInterfaceInfo, networkInterfaces } from 'node:os'
import { SluiceError } from '@sluice/contracts'

/** Everything `sluice run` takes on its command line, with Alloy's flag names and defaults. */
export interface RunFlags {
  config: string
  httpListenAddr: string
  storagePath: string
  /** Worker threads of the pipeline; undefined: the available parallelism (cores, or the cgroup's CPU quota). */
  pipelineThreads: number | undefined
  cluster: {
    enabled: boolean
    listenAddr: string
    advertiseAddress: string | undefined
    joinAddresses: string[]
    nodeName: string
    name: string
    secretFile: string | undefined
    waitForSize: number
    waitTimeoutMs: number
    rejoinIntervalMs: number
    maxJoinPeers: number
    /** How long delivery waits for a member that crashed to come back and send its WAL; 0 disables. */
    crashHoldMs: number
  }
}

export class FlagError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_FLAG', message, { status: 400 })
  }
}

/** The flags `sluice run` accepts, for node:util parseArgs. */
export const RUN_OPTIONS = {
  'server.http.listen-addr': { type: 'string', default: '127.0.0.1:12345' },
  'storage.path': { type: 'string', default: 'data-sluice/' },
  'pipeline.threads': { type: 'string' },
  'cluster.enabled': { type: 'boolean', default: false },
  'cluster.listen-addr': { type: 'string', default: '0.0.0.0:7946' },
  'cluster.advertise-address': { type: 'string' },
  'cluster.join-addresses': { type: 'string', default: '' },
  'cluster.node-name': { type: 'string' },
  'cluster.name': { type: 'string', default: '' },
  'cluster.secret-file': { type: 'string' },
  'cluster.wait-for-size': { type: 'string', default: '0' },
  'cluster.wait-timeout': { type: 'string', default: '0s' },
  'cluster.rejoin-interval': { type: 'string', default: '60s' },
  'cluster.max-join-peers': { type: 'string', default: '5' },
  'cluster.crash-hold': { type: 'string', default: '30s' },
} as const

/** Parses a Go-style duration ("1m30s", "500ms", "0") into milliseconds. */
export function parseDuration(flag: string, text: string): number {
  if (text === '0') return 0
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  let total = 0
  let rest = text
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest)
    if (!match) throw new FlagError(`--${flag}: invalid duration "${text}" (examples: 500ms, 15s, 1m30s)`)
    total += Number(match[1]) * unit[match[2]!]!
    rest = rest.slice(match[0].length)
  }
  return total
}

function nonNegativeInt(flag: string, text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0) throw new FlagError(`--${flag}: want a whole number, got "${text}"`)
  return n
}

/** Most pipeline worker threads: beyond this a typo, not a machine. */
const MAX_PIPELINE_THREADS = 256

function pipelineThreads(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1 || n > MAX_PIPELINE_THREADS)
    throw new FlagError(
      `--pipeline.threads: want a whole number from 1 to ${MAX_PIPELINE_THREADS}, got "${text}"`,
    )
  return n
}

export function runFlags(values: Record<string, string | boolean | undefined>, config: string): RunFlags {
  const s = (k: keyof typeof RUN_OPTIONS): string =>
    String(values[k] ?? ('default' in RUN_OPTIONS[k] ? RUN_OPTIONS[k].default : ''))
  const listen = s('server.http.listen-addr')
  if (!/^.*:\d+$/.test(listen))
    throw new FlagError(`--server.http.listen-addr: want host:port, got "${listen}"`)
  return {
    config,
    httpListenAddr: listen,
    storagePath: s('storage.path'),
    pipelineThreads: pipelineThreads(values['pipeline.threads'] as string | undefined),
    cluster: {
      enabled: values['cluster.enabled'] === true,
      listenAddr: s('cluster.listen-addr'),
      advertiseAddress:
        (values['cluster.advertise-address'] as string | undefined) ??
        (values['cluster.enabled'] === true
          ? defaultAdvertiseAddress(listen, s('cluster.listen-addr'))
          : undefined),
      joinAddresses: s('cluster.join-addresses')
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
      nodeName: (values['cluster.node-name'] as string | undefined) ?? hostname(),
      name: s('cluster.name'),
      secretFile: values['cluster.secret-file'] as string | undefined,
      waitForSize: nonNegativeInt('cluster.wait-for-size', s('cluster.wait-for-size')),
      waitTimeoutMs: parseDuration('cluster.wait-timeout', s('cluster.wait-timeout')),
      rejoinIntervalMs: parseDuration('cluster.rejoin-interval', s('cluster.rejoin-interval')),
      maxJoinPeers: nonNegativeInt('cluster.max-join-peers', s('cluster.max-join-peers')),
      crashHoldMs: parseDuration('cluster.crash-hold', s('cluster.crash-hold')),
    },
  }
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', ''])

/** Interfaces whose address a node advertises by default, as Alloy's `--cluster.advertise-interfaces`. */
export const ADVERTISE_INTERFACES: readonly string[] = ['eth0', 'en0']

/**
 * The address other members dial when `--cluster.advertise-address` is not given. A node listening on
 * every interface (HTTP and cluster ports both wildcards, as in a container) would otherwise announce
 * itself as 127.0.0.1, and its peers would forward its series to themselves; like Alloy, it takes the
 * first IPv4 address of eth0 or en0 instead. Undefined when a listen address names a host (that host
 * is what peers dial) or no such interface exists.
 */
export function defaultAdvertiseAddress(
  httpListenAddr: string,
  clusterListenAddr: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string | undefined {
  const cluster = splitHostPort(clusterListenAddr)
  if (!WILDCARD_HOSTS.has(splitHostPort(httpListenAddr).host) || !WILDCARD_HOSTS.has(cluster.host)) {
    return undefined
  }
  for (const name of ADVERTISE_INTERFACES) {
    const v4 = interfaces[name]?.find((a) => a.family === 'IPv4' && !a.internal)
    if (v4) return `${v4.address}:${cluster.port}`
  }
  return undefined
}

/** Splits host:port, keeping IPv6 brackets out of the host. */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':')
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1')
  return { host, port: Number(address.slice(i + 1)) }
}
