import { timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { Cluster, dataPlaneToken, readSecretFile } from '@sluice/cluster'
import {
  appendForwarded,
  builtinComponents,
  ClusterForwarder,
  type ClusterForwarderOptions,
  DebugSummary,
  FORWARD_PATH,
  type Handler,
  HttpServers,
  LOGS_FORWARD_PATH,
  type NodeServices,
  nodeBacklog,
  OWNERSHIP_VERSION_HEADER,
  readBody,
  sendError,
} from '@sluice/components'
import { SluiceError } from '@sluice/contracts'
import { decodeForwardBody, MetricsPipeline } from '@sluice/pipeline'
import { Controller } from '@sluice/runtime'
import { createLogger, type Logger, Registry } from '@sluice/telemetry'
import { collectDefaultMetrics } from 'prom-client'
import { type RunFlags, splitHostPort } from './flags.ts'
import { VERSION } from './version.ts'

/** Bound of the WAL drains around cluster membership: before owning keys, and before leaving. */
const DRAIN_TIMEOUT_MS = 30_000

/** Where the embedded debug sink listens on the node's own server (the gateway example's fallback). */
export const DEBUG_WRITE_PATH = '/-/debug/remote_write'

/** A running node: its HTTP servers, worker pool, cluster membership and components. */
export class Daemon {
  readonly flags: RunFlags
  readonly logger: Logger
  readonly metrics: Registry
  readonly http: HttpServers
  readonly pipeline: MetricsPipeline
  readonly controller: Controller<NodeServices>
  readonly services: NodeServices
  readonly #cluster: Cluster | undefined
  readonly #forwarder: ClusterForwarder | undefined
  readonly #token: string | undefined
  readonly #debug: DebugSummary
  #stopping: Promise<void> | undefined

  private constructor(
    flags: RunFlags,
    logger: Logger,
    metrics: Registry,
    cluster: Cluster | undefined,
    token: string | undefined,
  ) {
    this.flags = flags
    this.metrics = metrics
    this.logger = logger
    this.#cluster = cluster
    this.#token = token
    collectDefaultMetrics({ register: this.metrics, prefix: 'sluice_process_' })
    this.http = new HttpServers(logger)
    this.pipeline = new MetricsPipeline({
      registry: this.metrics,
      logger,
      ...(flags.pipelineThreads === undefined ? {} : { threads: flags.pipelineThreads }),
    })
    const forwarderOptions: ClusterForwarderOptions = {
      backlog: () => nodeBacklog(this.services),
      crashHoldMs: flags.cluster.crashHoldMs,
      registry: this.metrics,
      logger,
    }
    if (token) forwarderOptions.token = token
    this.#forwarder = cluster ? new ClusterForwarder(cluster, forwarderOptions) : undefined
    this.#debug = new DebugSummary(logger.child({ component: 'debug_sink' }))
    this.services = {
      http: this.http,
      pipeline: this.pipeline,
      sinks: new Map(),
      mains: new Map(),
      logIngest: new Map(),
      logSinks: new Map(),
      cluster: this.#forwarder,
      logger,
      version: VERSION,
      lifecycle: { draining: false },
    }
    this.controller = new Controller({
      registry: builtinComponents(),
      services: this.services,
      logger,
      metrics: this.metrics,
      dataPath: flags.storagePath,
    })
  }

  /** Starts a node: HTTP server, cluster membership, then the config's components. */
  static async start(flags: RunFlags, logger = createLogger({ name: 'sluice' })): Promise<Daemon> {
    const { host, port } = splitHostPort(flags.httpListenAddr)
    const metrics = new Registry()
    let cluster: Cluster | undefined
    let token: string | undefined
    if (flags.cluster.enabled) {
      const secret = flags.cluster.secretFile ? await readSecretFile(flags.cluster.secretFile) : undefined
      token = dataPlaneToken(secret)
      const advertiseHost = flags.cluster.advertiseAddress
        ? splitHostPort(flags.cluster.advertiseAddress).host
        : host
      const options: Parameters<typeof Cluster.start>[0] = {
        listenAddr: flags.cluster.listenAddr,
        joinAddresses: flags.cluster.joinAddresses,
        nodeName: flags.cluster.nodeName,
        clusterName: flags.cluster.name,
        dataUrl: `http://${advertiseHost === '0.0.0.0' || advertiseHost === '' ? '127.0.0.1' : advertiseHost}:${port}`,
        rejoinIntervalMs: flags.cluster.rejoinIntervalMs,
        maxJoinPeers: flags.cluster.maxJoinPeers,
        logger: logger.child({ component: 'cluster' }),
        registry: metrics,
      }
      if (flags.cluster.advertiseAddress) options.advertiseAddr = flags.cluster.advertiseAddress
      if (secret) options.secret = secret
      cluster = await Cluster.start(options)
    }
    const daemon = new Daemon(flags, logger, metrics, cluster, token)
    await daemon.#routes(host, port)
    await daemon.reload()
    if (cluster) {
      if (flags.cluster.waitForSize > 0) {
        const reached = await cluster.waitForSize(
          flags.cluster.waitForSize,
          flags.cluster.waitTimeoutMs || Number.POSITIVE_INFINITY,
        )
        if (!reached)
          logger.warn(
            { size: flags.cluster.waitForSize },
            'cluster.wait-timeout passed before the cluster reached its size; taking work anyway',
          )
      }
      await daemon.#drainBeforeOwning()
      cluster.markReady()
    }
    logger.info(
      { version: VERSION, listen: flags.httpListenAddr, config: flags.config, clustered: Boolean(cluster) },
      'sluice is running',
    )
    return daemon
  }

  /** Reads the config file again and applies it; on error the running config stays. */
  async reload(): Promise<void> {
    const source = await readFile(this.flags.config, 'utf8')
    await this.controller.apply(source, this.flags.config)
  }

  async #routes(host: string, port: number): Promise<void> {
    const text = (status: number, body: string) => (_: unknown, res: import('node:http').ServerResponse) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body)
    }
    const r = (method: string, path: string, handler: Handler) =>
      this.http.route(host, port, method, path, handler)
    await r('GET', '/metrics', async (_req, res) => {
      res.writeHead(200, { 'content-type': this.metrics.contentType }).end(await this.metrics.metrics())
    })
    await r('GET', '/-/healthy', text(200, 'Sluice is healthy.\n'))
    await r('GET', '/-/ready', (req, res) => {
      const ready = this.controller.ready() && !this.services.lifecycle.draining
      text(ready ? 200 : 503, ready ? 'Sluice is ready.\n' : 'Sluice is not ready.\n')(req, res)
    })
    const reload = async (_req: unknown, res: import('node:http').ServerResponse) => {
      try {
        await this.reload()
        res.writeHead(200, { 'content-type': 'text/plain' }).end('config reloaded\n')
      } catch (err) {
        this.logger.error({ err: String(err) }, 'reload rejected; the running config stays')
        res
          .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`${String((err as Error).message ?? err)}\n`)
      }
    }
    await r('GET', '/-/reload', reload)
    await r('POST', '/-/reload', reload)
    await r('GET', '/api/v1/components', (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(this.controller.status(), null, 2))
    })
    await r('GET', '/api/v1/cluster', (_req, res) => {
      const body = this.#cluster
        ? {
            enabled: true,
            self: this.#cluster.self,
            members: this.#cluster.members(),
            ownership: this.#cluster.ownership().members,
            deliveryHeldFor: this.#forwarder?.deliveryHeldFor ?? [],
          }
        : { enabled: false }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body, null, 2))
    })
    await r('GET', '/', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(this.#statusPage())
    })
    await r('POST', DEBUG_WRITE_PATH, async (req, res) => {
      try {
        const body = await readBody(req, 64 * 1024 * 1024)
        const { snappyDecode } = await import('@sluice/wire')
        this.#debug.add(snappyDecode(body, 256 * 1024 * 1024))
        res.writeHead(204).end()
      } catch (err) {
        sendError(res, err)
      }
    })
    const forwarder = this.#forwarder
    if (forwarder) {
      // WAL records of series this node owns, produced by the member that received them: appended as
      // they are, whichever component sent them (the records name their sinks).
      const sinks = this.services.sinks
      const append = (payload: Uint8Array) => appendForwarded(sinks, decodeForwardBody(payload))
      await r(
        'POST',
        FORWARD_PATH,
        this.#forwardRoute(forwarder, () => append),
      )
      // Log streams routed here by their edge: same checks, delivered by the logs component.
      const logIngest = this.services.logIngest
      await r(
        'POST',
        LOGS_FORWARD_PATH,
        this.#forwardRoute(forwarder, (c) => logIngest.get(c)),
      )
    }
  }

  /**
   * The owner's side of a forward: only cluster members (the bearer token), only to something that
   * takes it here (`ingestOf` the sending component), only when routed by this node's ownership table
   * and not held by a hand-over.
   */
  #forwardRoute(
    forwarder: ClusterForwarder,
    ingestOf: (component: string) => ((payload: Uint8Array) => Promise<void>) | undefined,
  ): Handler {
    return async (req, res) => {
      try {
        if (this.#token && !bearerIs(req.headers.authorization, this.#token)) {
          throw new SluiceError('SLUICE_ERR_FORBIDDEN', 'not a member of this cluster', { status: 403 })
        }
        const component = String(req.headers['x-sluice-component'] ?? '')
        const ingest = ingestOf(component)
        if (!ingest)
          throw new SluiceError('SLUICE_ERR_NO_COMPONENT', `no component ${component} here`, {
            status: 503,
          })
        const version = Number(req.headers[OWNERSHIP_VERSION_HEADER])
        if (!Number.isSafeInteger(version))
          throw new SluiceError(
            'SLUICE_ERR_NO_OWNERSHIP_VERSION',
            `a forwarded push needs the ${OWNERSHIP_VERSION_HEADER} header`,
            { status: 400 },
          )
        // Admitted before the body is read and processed: the flush claim then waits for it.
        const admission = forwarder.admit(version)
        try {
          await ingest(await readBody(req, 256 * 1024 * 1024))
        } finally {
          admission.release()
        }
        res.writeHead(204).end()
      } catch (err) {
        sendError(res, err)
      }
    }
  }

  #statusPage(): string {
    const lines = [`Sluice ${VERSION}`, '', 'Components:']
    for (const c of this.controller.status())
      lines.push(`  ${c.id.padEnd(48)} ${c.health.state.padEnd(10)} ${c.health.message}`)
    if (this.#cluster) {
      lines.push('', 'Cluster members:')
      for (const m of this.#cluster.members())
        lines.push(`  ${m.name.padEnd(24)} ${m.state.padEnd(8)} ${m.dataUrl}  ${m.id}`)
    }
    lines.push('', 'Endpoints: /metrics /-/ready /-/healthy /-/reload /api/v1/components /api/v1/cluster', '')
    return lines.join('\n')
  }

  /**
   * A node that restarts with data in its WAL (after a crash, or a drain that timed out) sends it
   * before it owns keys: its samples are older than anything the current owners have, and appended
   * behind them, new samples would share batches that a strict backend rejects whole. Bounded by
   * {@link DRAIN_TIMEOUT_MS}.
   */
  async #drainBeforeOwning(): Promise<void> {
    const backlog = nodeBacklog(this.services)
    if (backlog.records === 0) return
    this.logger.info({ records: backlog.records }, 'sending what the WAL holds before owning keys')
    const deadline = Date.now() + DRAIN_TIMEOUT_MS
    while (nodeBacklog(this.services).records > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50))
    const left = nodeBacklog(this.services).records
    if (left > 0) this.logger.warn({ records: left }, 'WAL not drained in time; owning keys anyway')
  }

  /**
   * Graceful stop. In a cluster: announce `leaving` (others stop routing here and hold the keys that
   * move) while gossip keeps running, wait until the WALs hold nothing written as an owner and claim
   * it (the new owners then release), and only then leave. Then stop components (receivers before
   * the WAL) and the pool.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.services.lifecycle.draining = true
      if (this.#cluster && this.#forwarder) {
        await this.#cluster.startLeaving()
        if (!(await this.#forwarder.waitFlushed(DRAIN_TIMEOUT_MS)))
          this.logger.warn('WAL not drained before leaving; new owners release their hold at its bound')
        await this.#cluster.leave()
      }
      await this.controller.stop()
      await this.pipeline.close()
      await this.#forwarder?.close()
      this.#debug.close()
      await this.http.close()
      this.logger.info('sluice stopped')
    })()
    return this.#stopping
  }
}

/**
 * Whether an Authorization header carries `token` as its bearer token. Compared in constant time, so
 * that how long a refusal takes tells a stranger nothing about how much of a guess was right.
 */
function bearerIs(header: string | undefined, token: string): boolean {
  const got = Buffer.from(header ?? '')
  const want = Buffer.from(`Bearer ${token}`)
  return got.length === want.length && timingSafeEqual(got, want)
}
