import { type FileHandle, open, stat } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Label } from '@sluice/contracts'
import { Backoff } from '@sluice/remote-write'
import { type Logger, nullLogger } from '@sluice/telemetry'
import type { LokiEntry, LokiStream } from '@sluice/wire'
import { receiveTimeNs } from './clock.ts'
import type { Positions } from './positions.ts'

/** Hands a stream of new lines on; resolves once they are durable downstream. */
export type DeliverStream = (stream: LokiStream) => Promise<void>

/** Options of {@link FileTailer}. */
export interface TailerOptions {
  /** How often an idle file is checked for growth, truncation and rotation. */
  pollMs: number
  /** Start a file never seen before (no saved position) at its end instead of its start. */
  tailFromEnd: boolean
  /** Bytes read per step; a line longer than this is cut into pieces of this size. */
  maxReadBytes: number
  logger?: Logger
}

const NEWLINE = 0x0a

/**
 * Follows one file by path. Lines are handed on as one stream per read, and the position moves past
 * them only once delivery resolved, so a failed delivery is retried from the same bytes and a restart
 * resumes from the saved position. Rotation is noticed when the path names another inode (the old
 * file is read to its end first) or the file shrank (truncation: start again at 0).
 */
export class FileTailer {
  readonly path: string
  readonly #labels: Label[]
  readonly #deliver: DeliverStream
  readonly #positions: Positions
  readonly #options: TailerOptions
  readonly #logger: Logger
  readonly #stopping = new AbortController()
  #file: FileHandle | undefined
  #inode = 0
  #offset = 0
  /** The current file replaced a rotated one: read it from its start, whatever tailFromEnd says. */
  #rotated = false
  #loop: Promise<void> | undefined

  constructor(
    path: string,
    labels: Label[],
    deliver: DeliverStream,
    positions: Positions,
    options: TailerOptions,
  ) {
    this.path = path
    this.#labels = labels
    this.#deliver = deliver
    this.#positions = positions
    this.#options = options
    this.#logger = (options.logger ?? nullLogger).child({ path })
  }

  start(): void {
    this.#loop ??= this.#run()
  }

  /** Stops after the step in progress; the position of what was delivered is kept. */
  async stop(): Promise<void> {
    this.#stopping.abort()
    await this.#loop
  }

  async #run(): Promise<void> {
    const signal = this.#stopping.signal
    const backoff = new Backoff(this.#options.pollMs, 30_000)
    try {
      while (!signal.aborted) {
        let progressed: boolean
        try {
          progressed = await this.#step()
        } catch (err) {
          this.#logger.warn({ err }, 'tailing failed; retrying')
          await sleep(backoff.next(), undefined, { signal }).catch(() => {})
          continue
        }
        if (!progressed) await sleep(this.#options.pollMs, undefined, { signal }).catch(() => {})
      }
    } finally {
      await this.#file?.close().catch(() => {})
      this.#file = undefined
    }
  }

  /** One step: open, read and deliver, or check for rotation. True when something moved. */
  async #step(): Promise<boolean> {
    if (this.#file === undefined && !(await this.#open())) return false
    const file = this.#file!
    const { size } = await file.stat()
    if (size < this.#offset) {
      this.#logger.info({ offset: this.#offset, size }, 'file truncated; reading from the start')
      this.#offset = 0
    }
    if (size > this.#offset && (await this.#read(file, size, false))) return true
    // No complete line left in the open file: has the path moved on to another file?
    const current = await stat(this.path).catch(() => undefined)
    if (current !== undefined && current.ino === this.#inode) return false
    this.#logger.info('file rotated')
    // A last line without its newline is complete now that the writer moved on.
    const { size: finalSize } = await file.stat()
    if (finalSize > this.#offset) return this.#read(file, finalSize, true)
    await file.close()
    this.#file = undefined
    this.#rotated = true
    return current !== undefined
  }

  async #open(): Promise<boolean> {
    let file: FileHandle
    try {
      file = await open(this.path, 'r')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
    const { ino, size } = await file.stat()
    const saved = this.#positions.get(this.path)
    if (saved !== undefined && saved.inode === ino && saved.offset <= size) this.#offset = saved.offset
    else if (saved === undefined && !this.#rotated && this.#options.tailFromEnd) this.#offset = size
    else this.#offset = 0
    this.#file = file
    this.#inode = ino
    this.#rotated = false
    this.#positions.set(this.path, { offset: this.#offset, inode: ino })
    return true
  }

  /** Reads complete lines from the offset, delivers them, then moves the offset past them. */
  async #read(file: FileHandle, size: number, final: boolean): Promise<boolean> {
    const want = Math.min(size - this.#offset, this.#options.maxReadBytes)
    const buffer = Buffer.allocUnsafe(want)
    const { bytesRead } = await file.read(buffer, 0, want, this.#offset)
    const chunk = buffer.subarray(0, bytesRead)
    let end = chunk.lastIndexOf(NEWLINE) + 1
    // No newline in a full read: the line is longer than a read, deliver it in pieces.
    if (end === 0 && (bytesRead === this.#options.maxReadBytes || final)) end = bytesRead
    if (end === 0) return false
    const entries: LokiEntry[] = []
    let start = 0
    while (start < end) {
      let stop = chunk.indexOf(NEWLINE, start)
      if (stop < 0 || stop >= end) stop = end
      let lineEnd = stop
      if (lineEnd > start && chunk[lineEnd - 1] === 0x0d) lineEnd--
      entries.push({
        timestampNs: receiveTimeNs(),
        line: chunk.toString('utf8', start, lineEnd),
        structuredMetadata: [],
      })
      start = stop + 1
    }
    await this.#deliver({ labels: this.#labels, entries })
    this.#offset += end
    this.#positions.set(this.path, { offset: this.#offset, inode: this.#inode })
    return true
  }
}
