import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { ClusterConfigError } from './errors.ts'

/** A parsed `host:port` (IPv6 hosts in brackets: `[::1]:7946`). */
export interface HostPort {
  host: string
  port: number
}

export function parseHostPort(text: string, defaultPort?: number): HostPort {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  const plain = bracketed ? undefined : /^([^:\s]+)(?::(\d+))?$/.exec(text)
  const match = bracketed ?? plain
  if (!match) throw new ClusterConfigError(`address ${JSON.stringify(text)} is not host:port`)
  const host = match[1]!
  const port = match[2] === undefined ? defaultPort : Number(match[2])
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ClusterConfigError(`address ${JSON.stringify(text)} needs a port between 0 and 65535`)
  }
  if (bracketed && isIP(host) !== 6)
    throw new ClusterConfigError(`address ${JSON.stringify(text)}: bad IPv6 host`)
  return { host, port }
}

/** The TCP multiaddr of a host:port; names become `/dns/` (resolved when dialled). */
export function toMultiaddr({ host, port }: HostPort): string {
  const family = isIP(host)
  const proto = family === 4 ? 'ip4' : family === 6 ? 'ip6' : 'dns'
  return `/${proto}/${host}/tcp/${port}`
}

/**
 * The TCP multiaddrs a join address stands for: one per A/AAAA record of a DNS name (a scaled compose
 * service resolves to every replica), or the address itself for an IP. A name that does not resolve
 * yields nothing: the join is retried later, when the other nodes may have registered.
 */
export async function resolveJoinAddress(address: string, defaultPort: number): Promise<string[]> {
  const hp = parseHostPort(address, defaultPort)
  if (isIP(hp.host) !== 0) return [toMultiaddr(hp)]
  try {
    const records = await lookup(hp.host, { all: true })
    return [...new Set(records.map((r) => toMultiaddr({ host: r.address, port: hp.port })))]
  } catch {
    return []
  }
}

/** True for multiaddrs on the loopback interface, which mean nothing to another host. */
export function isLoopback(addr: string): boolean {
  return addr.startsWith('/ip4/127.') || addr.startsWith('/ip6/::1/')
}
