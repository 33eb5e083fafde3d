import { createServer } from 'node:http'
import { join } from 'node:path'
import {
  type Cleanup,
  freePort,
  Proc,
  SLUICE_BIN,
  tempDir,
  waitFor,
  waitForHttp,
  writeFile,
} from './process.ts'

/** A real Prometheus server that accepts remote-write (and rejects out-of-order samples). */
export async function startBackend(
  cleanup: Cleanup,
  dir = cleanup.dir(tempDir('backend')),
  port?: number,
): Promise<{ url: string; proc: Proc; dir: string; port: number }> {
  const p = port ?? (await freePort())
  const config = writeFile(dir, 'prometheus.yml', 'global:\n  scrape_interval: 1h\n')
  const proc = cleanup.proc(
    new Proc('backend', 'prometheus', [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${p}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ]),
  )
  await waitForHttp(`http://127.0.0.1:${p}/-/ready`, 60_000)
  return { url: `http://127.0.0.1:${p}`, proc, dir, port: p }
}

/** A real node-exporter on loopback. */
export async function startNodeExporter(cleanup: Cleanup): Promise<{ address: string }> {
  const port = await freePort()
  cleanup.proc(
    new Proc('node-exporter', 'prometheus-node-exporter', [
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]),
  )
  await waitForHttp(`http://127.0.0.1:${port}/metrics`)
  return { address: `127.0.0.1:${port}` }
}

/**
 * A real Prometheus in agent mode scraping `targets` every second and remote-writing to `writeUrl`;
 * `url` serves its own metrics.
 */
export async function startAgent(
  cleanup: Cleanup,
  targets: string[],
  writeUrl: string,
): Promise<{ proc: Proc; url: string }> {
  const dir = cleanup.dir(tempDir('agent'))
  const port = await freePort()
  const config = writeFile(
    dir,
    'agent.yml',
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]\nremote_write:\n  - url: ${writeUrl}\n    queue_config:\n      batch_send_deadline: 1s\n      min_backoff: 100ms\n      max_backoff: 1s\n`,
  )
  const proc = cleanup.proc(
    new Proc('agent', 'prometheus', [
      `--config.file=${config}`,
      '--enable-feature=agent',
      `--storage.agent.path=${join(dir, 'wal')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]),
  )
  await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 60_000)
  return { proc, url: `http://127.0.0.1:${port}` }
}

/** A Sluice node as a process, the way users run it. */
export async function startSluice(
  cleanup: Cleanup,
  config: string,
  options: {
    dir?: string
    httpPort?: number
    args?: string[]
    env?: Record<string, string>
    waitReady?: boolean
  } = {},
): Promise<{ proc: Proc; url: string; dir: string; httpPort: number; configPath: string }> {
  const dir = options.dir ?? cleanup.dir(tempDir('sluice'))
  const httpPort = options.httpPort ?? (await freePort())
  const configPath = writeFile(dir, 'config.alloy', config)
  const proc = cleanup.proc(
    new Proc(
      'sluice',
      process.execPath,
      [
        SLUICE_BIN,
        'run',
        `--server.http.listen-addr=127.0.0.1:${httpPort}`,
        `--storage.path=${join(dir, 'data')}`,
        ...(options.args ?? []),
        configPath,
      ],
      { SLUICE_LOG_LEVEL: 'warn', ...options.env },
    ),
  )
  if (options.waitReady !== false) {
    // A node that exits during start-up fails the wait at once instead of after the timeout.
    const exited = proc.exited.then((code) => {
      throw new Error(`sluice exited with code ${code} before it was ready`)
    })
    try {
      await Promise.race([waitForHttp(`http://127.0.0.1:${httpPort}/-/ready`, 60_000), exited])
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- sluice output ---\n${proc.output}`)
    } finally {
      exited.catch(() => undefined)
    }
  }
  return { proc, url: `http://127.0.0.1:${httpPort}`, dir, httpPort, configPath }
}

/**
 * A proxy in front of a remote-write backend that holds each request `delayMs` before passing it on:
 * a backend far away, so that one remote-write shard cannot keep up. Returns its base URL.
 */
export async function startDelayingProxy(
  cleanup: Cleanup,
  backendUrl: string,
  delayMs: number,
): Promise<string> {
  const port = await freePort()
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      try {
        const forwarded = await fetch(`${backendUrl}${req.url}`, {
          method: 'POST',
          body: Buffer.concat(chunks),
          headers: {
            'content-type': String(req.headers['content-type']),
            'content-encoding': String(req.headers['content-encoding']),
            'x-prometheus-remote-write-version': String(req.headers['x-prometheus-remote-write-version']),
          },
        })
        res.writeHead(forwarded.status).end(await forwarded.text())
      } catch {
        res.writeHead(502).end()
      }
    })
  })
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve))
  cleanup.add(() => new Promise((resolve) => proxy.close(resolve)))
  cleanup.add(() => proxy.closeAllConnections())
  return `http://127.0.0.1:${port}`
}

/**
 * A receiver on `ingestPort` writing to `backendUrl` through one remote_write endpoint of up to 4
 * shards, 200 samples a request and a 50 ms batch deadline: behind {@link startDelayingProxy}, a load
 * that one shard cannot carry.
 */
export function reshardConfig(ingestPort: number, backendUrl: string): string {
  return `prometheus.receive_http "ingest" {
	http {
		listen_address = "127.0.0.1"
		listen_port    = ${ingestPort}
	}
	forward_to = [prometheus.remote_write.backend.receiver]
}

prometheus.remote_write "backend" {
	endpoint {
		url = "${backendUrl}/api/v1/write"
		queue_config {
			max_shards           = 4
			max_samples_per_send = 200
			batch_send_deadline  = "50ms"
		}
	}
}
`
}

/** Runs an instant PromQL query against a Prometheus server. */
export async function query(
  base: string,
  promql: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`)
  const body = (await res.json()) as {
    status: string
    data: { result: { metric: Record<string, string>; value: [number, string] }[] }
  }
  if (body.status !== 'success') throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`)
  return body.data.result
}

/**
 * Waits until the backend holds exactly `samples` samples of each of `series` series of `metric`
 * (counted over the last hour); `after` names the moment in the failure message. Returns the counts.
 */
export function waitForSampleCounts(
  backendUrl: string,
  metric: string,
  series: number,
  samples: number,
  timeoutMs: number,
  after = '',
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  return waitFor(
    `all ${samples} samples of every ${metric} series at the backend${after ? ` ${after}` : ''}`,
    async () => {
      const r = await query(backendUrl, `count_over_time(${metric}[1h])`)
      return r.length === series && r.every((s) => s.value[1] === String(samples)) ? r : undefined
    },
    timeoutMs,
  )
}

/**
 * `count` clustered Sluice nodes on loopback that join through the first, node `i` running
 * `configOf(i, ingestPort)` with an ingest port of its own; resolves once every node sees them all as owners.
 */
export async function startClusterNodes(
  cleanup: Cleanup,
  count: number,
  configOf: (i: number, ingestPort: number) => string,
): Promise<{ nodes: Awaited<ReturnType<typeof startSluice>>[]; ingestPorts: number[] }> {
  const clusterPorts: number[] = []
  const ingestPorts: number[] = []
  for (let i = 0; i < count; i++) {
    clusterPorts.push(await freePort())
    ingestPorts.push(await freePort())
  }
  const nodes: Awaited<ReturnType<typeof startSluice>>[] = []
  for (let i = 0; i < count; i++) {
    nodes.push(
      await startSluice(cleanup, configOf(i, ingestPorts[i]!), {
        args: [
          '--cluster.enabled',
          `--cluster.listen-addr=127.0.0.1:${clusterPorts[i]}`,
          `--cluster.node-name=node-${i}`,
          `--cluster.join-addresses=127.0.0.1:${clusterPorts[0]}`,
        ],
      }),
    )
  }
  await waitForOwners(nodes, count)
  return { nodes, ingestPorts }
}

/** How many ready members (owners) a Sluice node's `/api/v1/cluster` lists. */
export async function ownersSeenBy(url: string): Promise<number> {
  const view = (await (await fetch(`${url}/api/v1/cluster`)).json()) as { ownership: unknown[] }
  return view.ownership.length
}

/** Waits (bounded) until every node sees exactly `n` ready members. */
export async function waitForOwners(
  nodes: readonly { url: string }[],
  n: number,
  timeoutMs = 30_000,
  everyMs?: number,
): Promise<void> {
  await waitFor(
    `every node to see ${n} ready members`,
    async () =>
      (await Promise.all(nodes.map((node) => ownersSeenBy(node.url)))).every((c) => c === n)
        ? true
        : undefined,
    timeoutMs,
    everyMs,
  )
}
