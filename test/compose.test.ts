import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { parseArgs } from 'node:util'
import { RUN_OPTIONS, runFlags } from '@sluice/sluice'
import { parse } from 'yaml'
import { CLUSTER_CONFIG_PATH, COMPOSE_FILE, clusterEnv } from './lib/compose.ts'
import { ROOT, SLUICE_BIN } from './lib/process.ts'

interface Service {
  image?: string
  build?: string
  command?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  deploy?: { replicas?: number }
  depends_on?: string[] | Record<string, unknown>
  restart?: string
}

const compose = parse(readFileSync(COMPOSE_FILE, 'utf8')) as { services: Record<string, Service> }
const services = compose.services
const here = dirname(COMPOSE_FILE)

/** `container path -> absolute host path` of a service's bind mounts. */
function mounts(service: Service): Map<string, string> {
  return new Map(
    (service.volumes ?? []).map((v) => {
      const [host, container] = v.split(':')
      return [container!, resolve(here, host!)]
    }),
  )
}

function flag(command: string[], name: string): string | undefined {
  return command.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
}

/** The port in a `host:port` or `scheme://host:port/...` address. */
function portOf(address: string): number {
  return Number(/:(\d+)(?:\/|$)/.exec(address)?.[1])
}

const sluice = services.sluice!
const command = sluice.command ?? []
const httpPort = portOf(flag(command, 'server.http.listen-addr') ?? '')

describe('docker-compose.yml: a Sluice cluster behind round-robin, an agent and node-exporter at the edge, a Prometheus backend', () => {
  test('the sluice service runs several replicas that join through their own service name', () => {
    assert.ok((sluice.deploy?.replicas ?? 1) >= 3, 'at least three replicas')
    assert.equal(sluice.build, '.')
    const { values, positionals } = parseArgs({ args: command, options: RUN_OPTIONS, allowPositionals: true })
    const flags = runFlags(values, positionals[1]!)
    assert.equal(positionals[0], 'run')
    assert.equal(flags.cluster.enabled, true)
    assert.deepEqual(flags.cluster.joinAddresses, [`sluice:${portOf(flags.cluster.listenAddr)}`])
    // Wildcard listeners: each replica advertises its eth0 address, so no per-node flag is needed.
    assert.match(flags.httpListenAddr, /^0\.0\.0\.0:/)
    assert.match(flags.cluster.listenAddr, /^0\.0\.0\.0:/)
  })

  test('a crashed sluice container is restarted as itself, within the crash hold the others wait for', () => {
    // Same container: same hostname (the default node name) and the WAL in its storage path.
    assert.ok(['always', 'unless-stopped', 'on-failure'].includes(sluice.restart ?? ''), 'a restart policy')
    const { values, positionals } = parseArgs({ args: command, options: RUN_OPTIONS, allowPositionals: true })
    const flags = runFlags(values, positionals[1]!)
    assert.equal(flag(command, 'cluster.node-name'), undefined, 'the node name is the hostname')
    assert.ok(flags.cluster.crashHoldMs > 0, 'the others hold delivery for it')
  })

  test('the config it mounts is deploy/compose/cluster.alloy, the file the process-based cluster tests run', () => {
    const configArg = command.at(-1)!
    assert.equal(mounts(sluice).get(configArg), CLUSTER_CONFIG_PATH)
    const source = readFileSync(CLUSTER_CONFIG_PATH, 'utf8')
    // Every variable the config reads is one the tests set (clusterEnv); compose sets what has no default.
    const read = [...source.matchAll(/sys\.env\("([A-Z_]+)"\)/g)].map((m) => m[1]).sort()
    assert.deepEqual(read, Object.keys(clusterEnv('h', 1, 'u')).sort())
    const env = sluice.environment ?? {}
    assert.equal(
      Number(env.SLUICE_INGEST_PORT),
      httpPort,
      'the ingest shares the node port the balancer targets',
    )
    assert.equal(
      env.SLUICE_REMOTE_WRITE_URL,
      `http://backend:${portOf(env.SLUICE_REMOTE_WRITE_URL ?? '')}/api/v1/write`,
    )
  })

  test('sluice validate accepts the mounted config', () => {
    const r = spawnSync(process.execPath, [SLUICE_BIN, 'validate', CLUSTER_CONFIG_PATH], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(r.status, 0, r.stderr)
  })

  test('the balancer is nginx, round-robin with no stickiness, and follows the replicas through DNS', () => {
    const lb = services.lb!
    assert.match(lb.image ?? '', /^nginx:/)
    const [major, minor] = (/^nginx:(\d+)\.(\d+)/.exec(lb.image ?? '') ?? []).slice(1).map(Number)
    assert.ok(major! > 1 || minor! >= 28, `upstream "resolve" needs nginx >= 1.27.3, got ${lb.image}`)
    const conf = readFileSync(mounts(lb).get('/etc/nginx/nginx.conf')!, 'utf8')
    const directives = conf.replace(/#.*$/gm, '')
    assert.doesNotMatch(directives, /\b(hash|ip_hash|sticky|least_conn|random)\b/)
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(directives)
    assert.ok(upstream, 'an upstream block')
    assert.match(upstream[2]!, new RegExp(`\\bserver\\s+sluice:${httpPort}\\s+resolve\\s*;`))
    assert.match(upstream[2]!, /\bzone\s+\w+\s+\d+k\s*;/)
    assert.match(directives, /\bresolver\s+127\.0\.0\.11\b[^;]*\bvalid=\d+s/)
    assert.match(directives, new RegExp(`proxy_pass\\s+http://${upstream[1]}\\s*;`))
    const listen = Number(/\blisten\s+(\d+)\s*;/.exec(directives)?.[1])
    assert.ok(lb.ports?.toString().includes(`${listen}:${listen}`))
  })

  test('the edge is a Prometheus agent scraping node-exporter and writing to the balancer', () => {
    const edge = services.edge!
    assert.ok(edge.command?.includes('--enable-feature=agent'))
    assert.ok(services['node-exporter']?.image?.startsWith('prom/node-exporter:'))
    const config = parse(
      readFileSync(mounts(edge).get(flag(edge.command ?? [], 'config.file')!)!, 'utf8'),
    ) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[]
      remote_write: { url: string }[]
    }
    assert.deepEqual(config.scrape_configs[0]!.static_configs[0]!.targets, ['node-exporter:9100'])
    const conf = readFileSync(mounts(services.lb!).get('/etc/nginx/nginx.conf')!, 'utf8')
    const lbPort = Number(/\blisten\s+(\d+)\s*;/.exec(conf)?.[1])
    assert.equal(config.remote_write[0]!.url, `http://lb:${lbPort}/api/v1/metrics/write`)
  })

  test('the backend is a Prometheus that accepts remote-write (and so rejects out-of-order samples)', () => {
    const backend = services.backend!
    assert.match(backend.image ?? '', /^prom\/prometheus:v[23]\./)
    assert.ok(backend.command?.includes('--web.enable-remote-write-receiver'))
  })

  test('the Dockerfile builds in stages and runs Sluice as a non-root user', () => {
    const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8')
    const stages = dockerfile.match(/^FROM\s+/gim) ?? []
    assert.ok(stages.length >= 2, 'multi-stage')
    const last = dockerfile.slice(dockerfile.search(/^FROM\s+[^\n]*$(?![\s\S]*^FROM\s)/m))
    assert.match(last, /^COPY --from=\w+/m)
    const user = /^USER\s+(\S+)/m.exec(last)?.[1]
    assert.ok(user && user !== 'root' && user !== '0', `runs as ${user ?? 'root'}`)
    assert.match(last, /^ENTRYPOINT\s+\["node",\s*"apps\/sluice\/src\/cli\.ts"\]/m)
  })
})
