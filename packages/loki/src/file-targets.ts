import { glob } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { compareLabels, type Label } from '@sluice/contracts'
import { type Logger, nullLogger } from '@sluice/telemetry'
import { Positions } from './positions.ts'
import { type DeliverStream, FileTailer, type TailerOptions } from './tailer.ts'

/** One entry of `loki.source.file`'s `targets`: a path or glob, and the labels of its streams. */
export interface FileTarget {
  /** The `__path__` label: a file path, or a glob (`*`, `?`, `[...]`, `{a,b}`, `**`). */
  path: string
  /** Stream labels, without labels starting with `__` (Loki refuses them). */
  labels: Label[]
}

/** Options of {@link FileTargets}. */
export interface FileTargetsOptions extends Partial<TailerOptions> {
  /** The JSON file positions are kept in. */
  positionsPath: string
  deliver: DeliverStream
  /** How often globs are expanded again to find new files. */
  syncMs?: number
  /** How often positions are written to disk (they are also written on stop). */
  positionsSyncMs?: number
  logger?: Logger
}

const GLOB_CHARS = /[*?[{]/

/**
 * Keeps one {@link FileTailer} per file the targets name: globs are expanded at start and every
 * `syncMs`, tailers start for new files and stop for files no longer matched. Every stream gets the
 * label `filename` (the path), as in Alloy.
 */
export class FileTargets {
  readonly #options: Required<Omit<FileTargetsOptions, 'logger'>>
  readonly #logger: Logger
  readonly #positions: Positions
  readonly #tailers = new Map<string, { tailer: FileTailer; key: string }>()
  readonly #stopping = new AbortController()
  #targets: FileTarget[] = []
  #loop: Promise<void> | undefined

  constructor(options: FileTargetsOptions) {
    this.#options = {
      positionsPath: options.positionsPath,
      deliver: options.deliver,
      syncMs: options.syncMs ?? 5_000,
      positionsSyncMs: options.positionsSyncMs ?? 1_000,
      pollMs: options.pollMs ?? 250,
      tailFromEnd: options.tailFromEnd ?? false,
      maxReadBytes: options.maxReadBytes ?? 256 * 1024,
    }
    this.#logger = options.logger ?? nullLogger
    this.#positions = new Positions(options.positionsPath, this.#logger)
  }

  /** The files followed now. */
  files(): string[] {
    return [...this.#tailers.keys()].sort()
  }

  /** Replaces the targets; takes effect at once. */
  async update(targets: FileTarget[]): Promise<void> {
    this.#targets = targets
    if (this.#loop !== undefined) await this.sync()
  }

  /** Expands the targets and starts the sync loop. */
  async start(): Promise<void> {
    if (this.#loop !== undefined) return
    await this.sync()
    this.#loop = this.#run()
  }

  async stop(): Promise<void> {
    this.#stopping.abort()
    await this.#loop
    await Promise.all([...this.#tailers.values()].map((t) => t.tailer.stop()))
    this.#tailers.clear()
    this.#positions.save()
  }

  /** Expands globs now, starting and stopping tailers to match. */
  async sync(): Promise<void> {
    const wanted = new Map<string, Label[]>()
    for (const target of this.#targets) {
      for (const path of await expand(target.path)) {
        if (wanted.has(path)) continue
        wanted.set(
          path,
          [...target.labels.filter((l) => l.name !== 'filename'), { name: 'filename', value: path }].sort(
            compareLabels,
          ),
        )
      }
    }
    for (const [path, running] of this.#tailers) {
      const labels = wanted.get(path)
      if (labels !== undefined && JSON.stringify(labels) === running.key) continue
      await running.tailer.stop()
      this.#tailers.delete(path)
      if (labels === undefined) this.#positions.delete(path)
    }
    for (const [path, labels] of wanted) {
      if (this.#tailers.has(path) || this.#stopping.signal.aborted) continue
      const tailer = new FileTailer(path, labels, this.#options.deliver, this.#positions, {
        ...this.#options,
        logger: this.#logger,
      })
      this.#tailers.set(path, { tailer, key: JSON.stringify(labels) })
      tailer.start()
    }
  }

  async #run(): Promise<void> {
    const signal = this.#stopping.signal
    let lastSync = Date.now()
    while (!signal.aborted) {
      await sleep(Math.min(this.#options.positionsSyncMs, this.#options.syncMs), undefined, { signal }).catch(
        () => {},
      )
      this.#positions.save()
      if (signal.aborted || Date.now() - lastSync < this.#options.syncMs) continue
      lastSync = Date.now()
      try {
        await this.sync()
      } catch (err) {
        this.#logger.warn({ err }, 'expanding file targets failed')
      }
    }
  }
}

/** The files a path or glob names now; a plain path is followed even before it exists. */
async function expand(pattern: string): Promise<string[]> {
  if (!GLOB_CHARS.test(pattern)) return [pattern]
  const files: string[] = []
  for await (const entry of glob(pattern, { withFileTypes: true })) {
    if (entry.isFile()) files.push(`${entry.parentPath}/${entry.name}`)
  }
  return files
}
