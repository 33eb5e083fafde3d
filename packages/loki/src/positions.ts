import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Logger } from '@sluice/telemetry'

/** Where a tailer stands in one file: the byte offset after the last delivered line, and the file's inode. */
export interface Position {
  offset: number
  inode: number
}

/**
 * The read positions of tailed files, kept in one JSON file so that a restart resumes where delivery
 * stopped. A position is recorded only after its lines were delivered (at least once: lines delivered
 * after the last save are sent again after a crash). Saves are atomic (write, then rename).
 */
export class Positions {
  readonly #path: string
  readonly #logger: Logger
  readonly #positions = new Map<string, Position>()
  #dirty = false

  constructor(path: string, logger: Logger) {
    this.#path = path
    this.#logger = logger
    try {
      const doc = JSON.parse(readFileSync(path, 'utf8')) as { positions?: Record<string, Position> }
      for (const [file, p] of Object.entries(doc.positions ?? {})) {
        if (Number.isSafeInteger(p?.offset) && Number.isSafeInteger(p?.inode))
          this.#positions.set(file, { offset: p.offset, inode: p.inode })
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.#logger.warn({ err, path }, 'positions file unreadable; starting over')
    }
  }

  get(file: string): Position | undefined {
    return this.#positions.get(file)
  }

  set(file: string, position: Position): void {
    this.#positions.set(file, position)
    this.#dirty = true
  }

  delete(file: string): void {
    if (this.#positions.delete(file)) this.#dirty = true
  }

  /** Writes the file when something changed since the last save. */
  save(): void {
    if (!this.#dirty) return
    this.#dirty = false
    const tmp = `${this.#path}.tmp`
    try {
      mkdirSync(dirname(this.#path), { recursive: true })
      writeFileSync(tmp, JSON.stringify({ positions: Object.fromEntries(this.#positions) }))
      renameSync(tmp, this.#path)
    } catch (err) {
      this.#dirty = true
      this.#logger.error({ err, path: this.#path }, 'saving positions failed')
    }
  }
}
