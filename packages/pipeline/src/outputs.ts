import { varintSize, writeVarint } from './label-fields.ts'

/** Segment kinds of an {@link OutputBatch}. */
const RANGE = 0
const RELABELLED = 1
const BYTES = 2

/**
 * The series one push sends to one destination (a sink shard, a main-thread receiver), recorded as
 * segments and copied once into a fresh buffer by {@link OutputBatch.finish}. Segments are numbers in
 * one array (kind, start, end, extra index), so recording a series allocates nothing.
 */
export class OutputBatch {
  readonly #ops: number[] = []
  readonly #extras: Uint8Array[] = []
  series = 0
  samples = 0

  /** A series (or metadata entry) copied as its byte range of the decoded request. */
  addRange(start: number, end: number, samples: number): void {
    this.#ops.push(RANGE, start, end, -1)
    this.series++
    this.samples += samples
  }

  /** Metadata: a byte range that is not a series. */
  addMetadata(start: number, end: number): void {
    this.#ops.push(RANGE, start, end, -1)
  }

  /**
   * A series with new labels: `labelFields` (encoded `labels = 1` fields) followed by the series'
   * other fields, which are `buf[restStart, restEnd)`.
   */
  addRelabelled(labelFields: Uint8Array, restStart: number, restEnd: number, samples: number): void {
    this.#ops.push(RELABELLED, restStart, restEnd, this.#extras.length)
    this.#extras.push(labelFields)
    this.series++
    this.samples += samples
  }

  /** A whole encoded TimeSeries field. */
  addBytes(field: Uint8Array, samples: number): void {
    this.#ops.push(BYTES, 0, 0, this.#extras.length)
    this.#extras.push(field)
    this.series++
    this.samples += samples
  }

  /** Copies every segment, reading ranges from `buf`, into one new exactly-sized buffer. */
  finish(buf: Uint8Array): Uint8Array {
    const ops = this.#ops
    const extras = this.#extras
    let size = 0
    for (let k = 0; k < ops.length; k += 4) {
      const kind = ops[k]!
      const span = ops[k + 2]! - ops[k + 1]!
      if (kind === RANGE) size += span
      else if (kind === BYTES) size += extras[ops[k + 3]!]!.length
      else {
        const body = extras[ops[k + 3]!]!.length + span
        size += 1 + varintSize(body) + body
      }
    }
    const out = new Uint8Array(size)
    let pos = 0
    for (let k = 0; k < ops.length; k += 4) {
      const kind = ops[k]!
      const start = ops[k + 1]!
      const end = ops[k + 2]!
      if (kind === RANGE) pos = copy(buf, start, end, out, pos)
      else {
        const extra = extras[ops[k + 3]!]!
        if (kind === RELABELLED) {
          out[pos++] = 0x0a
          pos = writeVarint(out, pos, extra.length + end - start)
        }
        pos = copy(extra, 0, extra.length, out, pos)
        if (kind === RELABELLED) pos = copy(buf, start, end, out, pos)
      }
    }
    return out
  }
}

/** Below this length a byte loop beats `set(subarray())`, which allocates a view. */
const SMALL_COPY = 64

function copy(src: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
  if (end - start < SMALL_COPY) {
    for (let j = start; j < end; j++) out[pos++] = src[j]!
    return pos
  }
  out.set(src.subarray(start, end), pos)
  return pos + end - start
}

/**
 * A sink or main-thread receiver of one push, with one batch per WAL shard (a main receiver has one),
 * created when the first series lands there.
 */
export class Destination {
  readonly id: string
  readonly main: boolean
  readonly shards: (OutputBatch | undefined)[]

  constructor(id: string, main: boolean, shards: number) {
    this.id = id
    this.main = main
    this.shards = new Array<OutputBatch | undefined>(shards)
  }

  shard(n: number): OutputBatch {
    let batch = this.shards[n]
    if (batch === undefined) {
      batch = new OutputBatch()
      this.shards[n] = batch
    }
    return batch
  }
}
