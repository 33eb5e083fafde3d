import { type Logger, nullLogger, type Registry } from '@sluice/telemetry'
import type { ScrapeConfig, Target } from './config.ts'
import { ScrapeTargetLimitError } from './errors.ts'
import { ScrapeHttpClient } from './http-client.ts'
import { ScrapeMetrics } from './metrics.ts'
import { computeScrapeOffsetMs } from './offset.ts'
import { parseScrapeBody } from './parse-body.ts'
import {
  type ScrapeAppender,
  type ScrapeBodyParser,
  ScrapeLoop,
  type ScrapeLoopContext,
  type SeriesMemory,
  type TargetStatus,
} from './scrape-loop.ts'
import { type ResolvedTarget, resolveTarget, targetKey } from './target-labels.ts'

/** Options of a {@link ScrapeManager}. */
export interface ScrapeManagerOptions {
  config: ScrapeConfig
  appender: ScrapeAppender
  registry?: Registry
  logger?: Logger
  /** The component's id (`prometheus.scrape.<label>`), used in logs and metric labels. */
  component: string
  /** Whether this node scrapes the target (cluster ownership by `targetKey`); every target when absent. */
  isOwned?: (target: Target) => boolean
  /** Replaces the in-thread {@link parseScrapeBody}, e.g. with a worker-pool call for large bodies. */
  parse?: ScrapeBodyParser
  /** Mixed into the scrape offsets. Keep it equal on all nodes so a moved target keeps its phase. */
  offsetSeed?: string
  /**
   * Called for each target a {@link ScrapeManager.reshard} gains, with the target's key: the new loop
   * scrapes no tick before the returned promise settles. The node that loses the target may scrape it
   * until the change of ownership has reached it, on the same phase; waiting until it says it has let
   * go (in a cluster: its hand-over claim for the new ownership version) rules out scraping one tick
   * twice. The wait is bounded by one scrape interval plus {@link HANDOVER_SLACK_MS}, and must settle
   * soon after `signal` aborts (the loop is retired). Absent: gained targets start on their next tick.
   */
  handover?: (key: string, timeoutMs: number, signal: AbortSignal) => Promise<HandoverResult>
}

/**
 * How a hand-over wait ended: `none` (no other node had the target), `claimed` (its previous owner
 * let go), `gone` (its previous owner left the cluster), `timed_out`, or `aborted` (the loop was
 * retired meanwhile).
 */
export type HandoverResult = 'none' | 'claimed' | 'gone' | 'timed_out' | 'aborted'

/**
 * Added to the scrape interval to bound a hand-over wait: the previous owner claims only once its
 * WALs hold nothing from before the change, which takes up to a batch deadline or a few retries.
 */
export const HANDOVER_SLACK_MS = 5000

/** Settings whose change means a loop must restart; the HTTP client's settings are picked up live. */
function loopFingerprint(resolved: ResolvedTarget, c: ScrapeConfig): string {
  return JSON.stringify([
    resolved,
    c.honor_labels,
    c.honor_timestamps,
    c.track_timestamps_staleness,
    c.body_size_limit,
    c.sample_limit,
    c.label_limit,
    c.label_name_length_limit,
    c.label_value_length_limit,
  ])
}

function clientFingerprint(c: ScrapeConfig): string {
  return JSON.stringify([
    c.basic_auth,
    c.bearer_token,
    c.bearer_token_file,
    c.authorization,
    c.tls_config,
    c.headers,
  ])
}

/**
 * Runs the scrape loops of one `prometheus.scrape` job: one loop per owned target, started, stopped
 * and restarted as targets, configuration and cluster ownership change.
 *
 * Staleness on the way out depends on why a target leaves. A target that discovery no longer reports
 * is gone: its series get staleness markers so queries stop showing them at once. A target that
 * merely moved to another node (reshard) keeps being scraped there, on the same schedule phase; a
 * marker from the old owner would land between the old owner's last sample and the new owner's
 * first one and cut the series in two, so a moved target stops without markers. Likewise `stop()`
 * writes none: a node that shuts down hands its targets to the rest of the cluster.
 */
export class ScrapeManager {
  readonly #appender: ScrapeAppender
  readonly #logger: Logger
  readonly #component: string
  readonly #isOwned: (target: Target) => boolean
  readonly #parse: ScrapeBodyParser
  readonly #seed: string
  readonly #handover: ScrapeManagerOptions['handover']
  readonly #metrics: ScrapeMetrics
  readonly #ctx: ScrapeLoopContext
  #config: ScrapeConfig
  #client: ScrapeHttpClient
  /** Discovered targets by key, in discovery order. */
  #discovered = new Map<string, Target>()
  #loops = new Map<string, ScrapeLoop>()
  /** Loops still stopping, by key, with the series memory they leave behind. */
  #stopping = new Map<string, Promise<SeriesMemory | undefined>>()
  /** Hand-over waits of loops that have not started scraping yet, aborted when the loop is retired. */
  #waits = new Map<ScrapeLoop, AbortController>()
  #forcedError: Error | null = null
  #stopped = false

  constructor(options: ScrapeManagerOptions) {
    this.#config = options.config
    this.#appender = options.appender
    this.#component = options.component
    this.#logger = (options.logger ?? nullLogger).child({ component: options.component })
    this.#isOwned = options.isOwned ?? (() => true)
    this.#parse = options.parse ?? parseScrapeBody
    this.#seed = options.offsetSeed ?? ''
    this.#handover = options.handover
    this.#metrics = new ScrapeMetrics(options.registry)
    this.#client = new ScrapeHttpClient(options.config)
    this.#ctx = {
      client: () => this.#client,
      appender: this.#appender,
      parse: this.#parse,
      metrics: this.#metrics,
      component: this.#component,
      logger: this.#logger,
      forcedError: () => this.#forcedError,
    }
  }

  /**
   * Replaces the discovered targets. New owned targets start scraping; targets no longer listed stop
   * and get staleness markers for every series their last scrape produced.
   */
  setTargets(targets: Target[]): void {
    if (this.#stopped) return
    const next = new Map<string, Target>()
    for (const t of targets) {
      const key = targetKey(t)
      if (!next.has(key)) next.set(key, t)
    }
    this.#discovered = next
    this.#sync()
  }

  /**
   * Applies a new configuration. Loops whose target URL, labels, schedule or limits change restart and
   * carry their series memory over, so series that disappear because of the change get markers at the
   * next scrape; HTTP settings (auth, TLS, headers) apply to the next scrape of every loop.
   */
  updateConfig(config: ScrapeConfig): void {
    if (this.#stopped) return
    const old = this.#config
    this.#config = config
    if (clientFingerprint(old) !== clientFingerprint(config)) {
      const previous = this.#client
      this.#client = new ScrapeHttpClient(config)
      // Agent.close lets requests in flight finish first.
      previous.close().catch(() => {})
    }
    for (const [key, loop] of [...this.#loops]) {
      const resolved = resolveTarget(loop.target, config)
      if (resolved !== null && loopFingerprint(resolved, config) === loopFingerprint(loop.resolved, old))
        continue
      this.#loops.delete(key)
      this.#retire(key, loop, resolved === null)
    }
    this.#sync()
  }

  /**
   * Re-evaluates ownership of every discovered target after the cluster changed: targets no longer
   * owned stop without staleness markers (their new owner continues the series), newly owned ones start
   * once the `handover` wait for them settles.
   *
   * Synchronous on purpose: a loop that stops here has scraped its last tick when this returns (a
   * scrape in flight is abandoned and appends nothing), so a caller running it in the ownership change
   * event knows the node has let go of its lost targets before it claims the new version.
   */
  reshard(): void {
    if (this.#stopped) return
    this.#sync(true)
  }

  /** Stops every loop without staleness markers and closes the connection pool. */
  async stop(): Promise<void> {
    this.#stopped = true
    for (const [key, loop] of this.#loops) this.#retire(key, loop, false)
    this.#loops.clear()
    this.#metrics.targets.set({ component: this.#component }, 0)
    await Promise.all(this.#stopping.values())
    await this.#client.close()
  }

  /** The state of each target this node scrapes, in discovery order. */
  targetsStatus(): TargetStatus[] {
    return [...this.#loops.values()].map((l) => l.status())
  }

  /** Starts and stops loops to match the owned targets; with `gained`, new loops wait for their hand-over. */
  #sync(gained = false): void {
    const owned = new Map<string, Target>()
    for (const [key, target] of this.#discovered) {
      let mine: boolean
      try {
        mine = this.#isOwned(target)
      } catch (err) {
        this.#logger.warn({ err: (err as Error).message }, 'ownership lookup failed; not scraping the target')
        mine = false
      }
      if (mine) owned.set(key, target)
    }
    for (const [key, loop] of [...this.#loops]) {
      if (owned.has(key)) continue
      this.#loops.delete(key)
      // Still discovered but not ours: it moved, so no markers. Not discovered: it is gone.
      this.#retire(key, loop, !this.#discovered.has(key))
    }
    const limit = this.#config.target_limit ?? 0
    this.#forcedError = limit > 0 && owned.size > limit ? new ScrapeTargetLimitError(owned.size, limit) : null
    for (const [key, target] of owned) {
      const running = this.#loops.get(key)
      if (running !== undefined) {
        running.target = target
        continue
      }
      const resolved = resolveTarget(target, this.#config)
      if (resolved === null) {
        this.#logger.debug({ labels: target.labels }, 'target dropped: no valid address or durations')
        continue
      }
      const offset = computeScrapeOffsetMs(key, resolved.intervalMs, this.#seed)
      const loop = new ScrapeLoop(key, target, resolved, this.#config, offset, this.#ctx)
      this.#loops.set(key, loop)
      const carried = this.#stopping.get(key)
      loop.start(gained && this.#handover ? this.#afterHandover(loop, carried) : carried)
    }
    this.#metrics.targets.set({ component: this.#component }, this.#loops.size)
  }

  /**
   * Resolves to the carried series memory once the hand-over wait of a gained target has settled; the
   * loop schedules its first tick after that, on its usual phase.
   */
  async #afterHandover(
    loop: ScrapeLoop,
    carried: Promise<SeriesMemory | undefined> | undefined,
  ): Promise<SeriesMemory | undefined> {
    const abort = new AbortController()
    this.#waits.set(loop, abort)
    const timeoutMs = loop.resolved.intervalMs + HANDOVER_SLACK_MS
    let result: HandoverResult
    try {
      result = await this.#handover!(loop.key, timeoutMs, abort.signal)
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'hand-over wait failed; scraping the target now')
      result = 'timed_out'
    } finally {
      this.#waits.delete(loop)
    }
    if (result !== 'none' && result !== 'aborted')
      this.#metrics.handoverWaits.inc({ component: this.#component, result })
    if (result === 'timed_out')
      this.#logger.warn(
        { target: loop.resolved.url, timeoutMs },
        'hand-over wait timed out: the previous owner has not let go of the target; it may be scraped twice',
      )
    return carried
  }

  /**
   * Stops a loop: it scrapes nothing once this returns (the abort is synchronous), and winds down in
   * the background. Its series memory is handed to the next loop for the same key: empty after
   * markers were written, intact otherwise, so a restarted loop's next scrape marks only what really
   * vanished. The loop's own run awaited the memory of any earlier loop for the key, so its stop also
   * settles after that one's.
   */
  #retire(key: string, loop: ScrapeLoop, writeStaleness: boolean): void {
    this.#waits.get(loop)?.abort()
    const done: Promise<SeriesMemory | undefined> = loop.stop(writeStaleness).catch((err: unknown) => {
      this.#logger.warn({ err: (err as Error).message }, 'stopping a scrape loop failed')
      return undefined
    })
    this.#stopping.set(key, done)
    done.then(() => {
      if (this.#stopping.get(key) === done) this.#stopping.delete(key)
    })
  }
}
