/** A LevelDB batch operation of the WAL. */
export type WalOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer }

/** Writes one batch of operations atomically (LevelDB's `batch`). */
export type BatchWriter = (ops: WalOp[]) => Promise<void>

/** The writes gathered while the previous batch was in flight, and what to do once they are on disk. */
class Group {
  readonly ops: WalOp[] = []
  readonly applied: (() => void)[] = []
  readonly done: Promise<void>
  settle!: (err?: unknown) => void

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (err) => (err === undefined ? resolve() : reject(err))
    })
    // A caller may be gone (a failed push); the rejection reaches the callers that await it.
    this.done.catch(() => {})
  }
}

/**
 * Group commit: every write of the WAL (appends, acknowledgements, drops of every shard) joins the
 * group being gathered, and one LevelDB batch writes a group while the next one gathers. Under load
 * a push lands in 16 shards and 8 pushes run at once; one batch per group instead of one per shard
 * and push took the synchronous cost of LevelDB's `batch` off the main thread's profile. Groups are
 * written one after the other and each is atomic, so the order of calls is the order on disk for
 * every shard, as with one chain per shard.
 */
export class WriteGroups {
  readonly #write: BatchWriter
  #gathering: Group | undefined
  #tail: Promise<void> = Promise.resolve()

  constructor(write: BatchWriter) {
    this.#write = write
  }

  /**
   * Queues `ops`; `applied` runs right after the batch holding them is written, before any later
   * group is written and in call order. Resolves then; rejects with LevelDB's error if the batch fails
   * (every write of that group fails with it, `applied` does not run).
   */
  write(ops: readonly WalOp[], applied?: () => void): Promise<void> {
    let group = this.#gathering
    if (group === undefined) {
      const fresh = new Group()
      group = fresh
      this.#gathering = fresh
      this.#tail = this.#tail.then(() => this.#flush(fresh))
    }
    for (const op of ops) group.ops.push(op)
    if (applied) group.applied.push(applied)
    return group.done
  }

  /** Resolves once every write queued so far is settled. */
  idle(): Promise<void> {
    return this.#tail
  }

  async #flush(group: Group): Promise<void> {
    // From here on new writes gather into the next group.
    if (this.#gathering === group) this.#gathering = undefined
    try {
      if (group.ops.length > 0) await this.#write(group.ops)
    } catch (err) {
      group.settle(err)
      return
    }
    for (const applied of group.applied) applied()
    group.settle()
  }
}
