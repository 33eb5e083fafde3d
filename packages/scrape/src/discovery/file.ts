import { type FSWatcher, watch } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { type Logger, nullLogger } from '@sluice/telemetry'
import type { Target } from '../config.ts'
import { parseFileSd } from './file-sd-format.ts'

/** Options of {@link FileDiscovery}, as Alloy's `discovery.file` arguments. */
export interface FileDiscoveryOptions {
  /** Files to read; the last path segment may contain one `*` matching any run of characters. */
  files: string[]
  /** How often to re-read everything even without a change notification; Alloy's default is 5 minutes. */
  refreshIntervalMs?: number
  /** Called with the full target list on start and whenever it changes. */
  onTargets: (targets: Target[]) => void
  logger?: Logger
}

// Editors and config-management tools write files in several steps; one read after the burst suffices.
const WATCH_DEBOUNCE_MS = 50

/**
 * Prometheus file_sd discovery: reads JSON or YAML target-group files, re-reads them when the
 * directory changes (fs.watch) and on a timer, and reports the union of their targets. A file that
 * cannot be parsed keeps its previous targets (and is logged); a file that disappears drops its own.
 */
export class FileDiscovery {
  readonly #patterns: string[]
  readonly #refreshMs: number
  readonly #onTargets: (targets: Target[]) => void
  readonly #logger: Logger
  readonly #byFile = new Map<string, Target[]>()
  readonly #watchers: FSWatcher[] = []
  #timer: NodeJS.Timeout | undefined
  #debounce: NodeJS.Timeout | undefined
  #lastEmitted: string | undefined
  #refreshing: Promise<void> = Promise.resolve()
  #stopped = false

  constructor(options: FileDiscoveryOptions) {
    this.#patterns = options.files.map((f) => resolve(f))
    this.#refreshMs = options.refreshIntervalMs ?? 300_000
    this.#onTargets = options.onTargets
    this.#logger = options.logger ?? nullLogger
  }

  /** Reads the files once (reporting the result), then starts watching and the periodic refresh. */
  async start(): Promise<void> {
    await this.refresh()
    for (const dir of new Set(this.#patterns.map((p) => dirname(p)))) {
      try {
        const w = watch(dir, { persistent: false }, () => this.#scheduleRefresh())
        w.on('error', (err) =>
          this.#logger.warn({ dir, err: err.message }, 'file_sd watch failed; relying on refresh'),
        )
        this.#watchers.push(w)
      } catch (err) {
        this.#logger.warn({ dir, err: (err as Error).message }, 'cannot watch directory; relying on refresh')
      }
    }
    this.#timer = setInterval(() => this.#scheduleRefresh(), this.#refreshMs)
    this.#timer.unref()
  }

  /** Stops watching and refreshing. */
  stop(): void {
    this.#stopped = true
    for (const w of this.#watchers) w.close()
    this.#watchers.length = 0
    clearInterval(this.#timer)
    clearTimeout(this.#debounce)
  }

  /** The current target list. */
  targets(): Target[] {
    return [...this.#byFile.keys()].sort().flatMap((f) => this.#byFile.get(f)!)
  }

  /** Re-reads every matching file now; reports the targets if they changed. Refreshes never overlap. */
  refresh(): Promise<void> {
    this.#refreshing = this.#refreshing.then(() => this.#refreshOnce())
    return this.#refreshing
  }

  #scheduleRefresh(): void {
    if (this.#stopped) return
    clearTimeout(this.#debounce)
    this.#debounce = setTimeout(() => void this.refresh(), WATCH_DEBOUNCE_MS)
  }

  async #refreshOnce(): Promise<void> {
    if (this.#stopped) return
    const files = new Set<string>()
    for (const pattern of this.#patterns) for (const f of await expand(pattern)) files.add(f)
    for (const known of [...this.#byFile.keys()]) if (!files.has(known)) this.#byFile.delete(known)
    for (const file of files) {
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.#byFile.delete(file)
        else
          this.#logger.warn(
            { file, err: (err as Error).message },
            'cannot read file_sd file; keeping its targets',
          )
        continue
      }
      try {
        this.#byFile.set(file, parseFileSd(text, file))
      } catch (err) {
        this.#logger.warn(
          { file, err: (err as Error).message },
          'invalid file_sd file; keeping its previous targets',
        )
      }
    }
    const targets = this.targets()
    const serialized = JSON.stringify(targets)
    if (serialized === this.#lastEmitted || this.#stopped) return
    this.#lastEmitted = serialized
    this.#onTargets(targets)
  }
}

/** The files a pattern names: itself, or the directory entries its single `*` matches. */
async function expand(pattern: string): Promise<string[]> {
  const base = basename(pattern)
  const star = base.indexOf('*')
  if (star < 0) return [pattern]
  const prefix = base.slice(0, star)
  const suffix = base.slice(star + 1)
  const dir = dirname(pattern)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  return names
    .filter((n) => n.length >= prefix.length + suffix.length && n.startsWith(prefix) && n.endsWith(suffix))
    .map((n) => join(dir, n))
}
