import { setTimeout as sleep } from 'node:timers/promises'
import { type DeliveryHold, isSluiceError } from '@sluice/contracts'
import type { Logger } from '@sluice/telemetry'
import type { Wal, WalRecord } from '@sluice/wal'
import { Backoff } from './backoff.ts'

/** Records read from the WAL per read; more are read only once fewer than a batch are pending. */
const READ_RECORDS = 256
/** Payload bytes read from the WAL per read. */
const READ_BYTES = 16 << 20
/** How often a shard held back by a change of the shard count looks again (changes are rare). */
const CUTOFF_POLL_MS = 10

/** How a batch left the queue: `stopped` leaves it unacknowledged in the WAL. */
export type Delivery = 'sent' | 'dropped' | 'stopped'

export interface ShardReaderOptions {
  wal: Wal
  /** What a record adds to a batch (samples, bytes): a batch is full at {@link maxBatchWeight}. */
  weigh: (record: WalRecord) => number
  maxBatchWeight: number
  /** How long a batch that is not full waits for more, counted from its oldest record's append. */
  batchWaitMs: number
  /** Backoff after an unexpected error of the loop itself (not of a request). */
  minBackoffMs: number
  maxBackoffMs: number
  /** Checked before each batch is sent; while it holds, what was read stays pending, in order. */
  hold?: DeliveryHold | undefined
  /**
   * While it returns a time, records appended after it are not sent, neither alone nor in a batch
   * with older ones (see `ShardScaler`): they may hold series whose older samples are in other shards.
   */
  cutoff?: () => number | undefined
  logger: Logger
  /** Sends one batch until it is accepted, dropped, or the reader stops. */
  deliver: (records: WalRecord[]) => Promise<Delivery>
  /**
   * Told after each batch that left (sent or dropped): its records, and how long its shard was busy
   * with it, from the end of the previous batch, less the time the loop waited for records (for more
   * of them, or for a hold or a barrier to lift). Reading, batching and every turn of the event loop
   * the shard waited for count: they bound what one shard can carry as much as the request does.
   */
  delivered?: (records: WalRecord[], busyMs: number) => void
}

/**
 * The reader loops of a sender: one per WAL shard, each with at most one batch in flight, so the
 * records of a shard reach the backend in WAL order, through retries too. A loop fills a batch from
 * the WAL, waits for more while it is not full and younger than the batch wait, sends it through
 * `deliver`, and acknowledges it (deletes it from the WAL) once it is sent or dropped.
 */
export class ShardReader {
  readonly #options: ShardReaderOptions
  /** Aborted by `stop`: wakes idle readers and cuts backoff sleeps short. */
  readonly #stopping = new AbortController()
  /** Aborted when the drain timeout of `stop` passes: cancels requests still in flight. */
  readonly #cancel = new AbortController()
  #loops: Promise<void>[] | undefined
  #stopped: Promise<void> | undefined

  constructor(options: ShardReaderOptions) {
    this.#options = options
  }

  /** Aborted once the reader stops: a delivery's backoff sleeps end with it. */
  get stopping(): AbortSignal {
    return this.#stopping.signal
  }

  /** Aborted when the drain timeout of `stop` passes: a delivery's request in flight ends with it. */
  get cancel(): AbortSignal {
    return this.#cancel.signal
  }

  /** Starts one loop per WAL shard; false (and nothing started) when it was started or stopped before. */
  start(): boolean {
    if (this.#loops !== undefined || this.#stopped !== undefined) return false
    this.#loops = []
    for (let shard = 0; shard < this.#options.wal.shards; shard++) this.#loops.push(this.#run(shard))
    return true
  }

  /** Stops the loops and waits for the batches in flight, cancelling them after `drainTimeoutMs`. */
  stop(drainTimeoutMs: number): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping.abort()
      const timer = setTimeout(() => this.#cancel.abort(), drainTimeoutMs)
      try {
        await Promise.all(this.#loops ?? [])
      } finally {
        clearTimeout(timer)
      }
    })()
    return this.#stopped
  }

  async #run(shard: number): Promise<void> {
    const { wal, weigh, maxBatchWeight, batchWaitMs, hold, logger, deliver, delivered } = this.#options
    const stopping = this.#stopping.signal
    const pending: WalRecord[] = []
    let pendingWeight = 0
    let cursor = 0
    // The wait deadline of the batch being filled: one timer per batch, not one per record waited for,
    // cleared when the batch goes out full. (AbortSignal.timeout and AbortSignal.any per batch cost a
    // composite signal's weak references, and a DOMException when the timer fired long after the send.)
    let deadline: AbortController | undefined
    let deadlineTimer: NodeJS.Timeout | undefined
    let deadlineAt = 0
    const endDeadline = (): void => {
      clearTimeout(deadlineTimer)
      deadline = undefined
    }
    const onStop = (): void => deadline?.abort()
    stopping.addEventListener('abort', onStop, { once: true })
    const backoff = new Backoff(this.#options.minBackoffMs, this.#options.maxBackoffMs)
    // Since the last batch left: when that was, and how much of it was spent waiting.
    let since = performance.now()
    let waited = 0
    const idle = async (wait: Promise<unknown>): Promise<void> => {
      const started = performance.now()
      await wait
      waited += performance.now() - started
    }
    try {
      while (!stopping.aborted) {
        try {
          if (pendingWeight < maxBatchWeight) {
            const records = await wal.read(shard, cursor, READ_RECORDS, READ_BYTES)
            for (const record of records) {
              pending.push(record)
              pendingWeight += weigh(record)
            }
            if (records.length > 0) cursor = records.at(-1)!.seq
          }
          if (pending.length === 0) {
            await idle(wal.waitForData(shard, cursor, stopping))
            continue
          }
          // A batch that is not full waits for more records, until its oldest record is batchWaitMs
          // old; records that waited in the WAL (backlog, restart) go at once.
          const sendAt = pending[0]!.appendedAt + batchWaitMs
          if (pendingWeight < maxBatchWeight && Date.now() < sendAt) {
            if (deadline === undefined || deadlineAt !== sendAt) {
              endDeadline()
              const controller = new AbortController()
              deadline = controller
              deadlineAt = sendAt
              deadlineTimer = setTimeout(
                () => controller.abort(),
                Math.max(1, Math.ceil(sendAt - Date.now())),
              )
            }
            const { signal } = deadline
            await idle(wal.waitForData(shard, cursor, signal))
            // Woken by new records (or by stop, which the loop's condition ends on): not yet.
            if (!signal.aborted || stopping.aborted) continue
          }
          endDeadline()
          const held = hold?.wait(stopping)
          if (held !== undefined) {
            await idle(held)
            continue
          }
          const cutoff = this.#options.cutoff?.()
          if (cutoff !== undefined && pending[0]!.appendedAt > cutoff) {
            await idle(sleep(CUTOFF_POLL_MS, undefined, { signal: stopping }).catch(() => {}))
            continue
          }
          const end = batchEnd(pending, weigh, maxBatchWeight, cutoff)
          const batch = pending.slice(0, end)
          if ((await deliver(batch)) === 'stopped') return
          const now = performance.now()
          delivered?.(batch, now - since - waited)
          since = now
          waited = 0
          // The WAL forgets the batch at once (its index, its memory tail); only the delete is written
          // later, and the next batch need not wait for it: a delete lost in a crash means a batch sent
          // twice, which delivery at least once allows. Awaiting it put a LevelDB write between every
          // two requests of a shard, and one shard could not keep up with a fast backend.
          wal.ack(shard, batch.at(-1)!.seq).catch((err: unknown) => {
            if (!isSluiceError(err, 'SLUICE_ERR_WAL_CLOSED'))
              logger.error({ err, shard }, 'deleting sent records from the WAL failed')
          })
          pending.splice(0, end)
          for (const record of batch) pendingWeight -= weigh(record)
        } catch (err) {
          if (isSluiceError(err, 'SLUICE_ERR_WAL_CLOSED')) return
          logger.error({ err, shard }, 'sender shard loop failed; retrying')
          await idle(sleep(backoff.next(), undefined, { signal: stopping }).catch(() => {}))
        }
      }
    } finally {
      endDeadline()
      stopping.removeEventListener('abort', onStop)
    }
  }
}

/**
 * The length of the longest prefix of `pending` within `max` and appended no later than `cutoff` (when
 * given), and at least one record.
 */
function batchEnd(
  pending: WalRecord[],
  weigh: (record: WalRecord) => number,
  max: number,
  cutoff: number | undefined,
): number {
  let weight = weigh(pending[0]!)
  let end = 1
  while (
    end < pending.length &&
    weight + weigh(pending[end]!) <= max &&
    (cutoff === undefined || pending[end]!.appendedAt <= cutoff)
  ) {
    weight += weigh(pending[end]!)
    end++
  }
  return end
}
