import { snappyEncode, varint32Size, writeVarint32 } from '@sluice/wire'

/** Segment kinds of an {@link OutputBatch}. */
const RANGE = 0
const RELABELLED = 1
const BYTES = 2

/**
 * The series one push sends to one destination (a sink shard, a main-thread receiver), recorded as
 * segments and copied once by {@link OutputBatch.finish} or {@link BatchCompressor.compress}.
 * Segments are four int32s each (kind, start, end, extra index) in a typed array that the batch keeps
 * across pushes ({@link OutputBatch.reset}), so recording a series allocates nothing once warm: a
 * fresh growing array per batch and push was the largest allocation of the worker's JavaScript heap.
 */
export class OutputBatch {
  #ops = new Int32Array(256)
  /** Int32s used in `#ops`. */
  #used = 0
  readonly #extras: Uint8Array[] = []
  series = 0
  samples = 0

  /** True when nothing was recorded since the last reset. */
  get empty(): boolean {
    return this.#used === 0
  }

  /** Forgets the recorded segments, keeping the space. */
  reset(): void {
    this.#used = 0
    this.#extras.length = 0
    this.series = 0
    this.samples = 0
  }

  /** A series (or metadata entry) copied as its byte range of the decoded request. */
  addRange(start: number, end: number, samples: number): void {
    this.#range(start, end)
    this.series++
    this.samples += samples
  }

  /** Metadata: a byte range that is not a series. */
  addMetadata(start: number, end: number): void {
    this.#range(start, end)
  }

  /**
   * A range that continues the previous one extends it: series that follow each other in the request
   * are copied as one range, and a batch of every field of the request in order is one range of all
   * of it ({@link OutputBatch.isWhole}).
   */
  #range(start: number, end: number): void {
    const last = this.#used - 4
    if (last >= 0 && this.#ops[last] === RANGE && this.#ops[last + 2] === start) this.#ops[last + 2] = end
    else this.#op(RANGE, start, end, -1)
  }

  /** True when the batch is exactly the bytes `[0, length)` of the decoded request, unchanged. */
  isWhole(length: number): boolean {
    const ops = this.#ops
    return this.#used === 4 && ops[0] === RANGE && ops[1] === 0 && ops[2] === length
  }

  #op(kind: number, start: number, end: number, extra: number): void {
    let ops = this.#ops
    const at = this.#used
    if (at + 4 > ops.length) {
      const grown = new Int32Array(ops.length * 2)
      grown.set(ops)
      this.#ops = ops = grown
    }
    ops[at] = kind
    ops[at + 1] = start
    ops[at + 2] = end
    ops[at + 3] = extra
    this.#used = at + 4
  }

  /**
   * A series with new labels: `labelFields` (encoded `labels = 1` fields) followed by the series'
   * other fields, which are `buf[restStart, restEnd)`.
   */
  addRelabelled(labelFields: Uint8Array, restStart: number, restEnd: number, samples: number): void {
    this.#op(RELABELLED, restStart, restEnd, this.#extras.length)
    this.#extras.push(labelFields)
    this.series++
    this.samples += samples
  }

  /** A whole encoded TimeSeries field. */
  addBytes(field: Uint8Array, samples: number): void {
    this.#op(BYTES, 0, 0, this.#extras.length)
    this.#extras.push(field)
    this.series++
    this.samples += samples
  }

  /** Bytes of the encoded batch. */
  get byteLength(): number {
    const ops = this.#ops
    const used = this.#used
    const extras = this.#extras
    let size = 0
    for (let k = 0; k < used; k += 4) {
      const kind = ops[k]!
      const span = ops[k + 2]! - ops[k + 1]!
      if (kind === RANGE) size += span
      else if (kind === BYTES) size += extras[ops[k + 3]!]!.length
      else {
        const body = extras[ops[k + 3]!]!.length + span
        size += 1 + varint32Size(body) + body
      }
    }
    return size
  }

  /** Copies every segment, reading ranges from `buf`, into one new exactly-sized buffer. */
  finish(buf: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.byteLength)
    this.writeTo(buf, out)
    return out
  }

  /**
   * Copies every segment, reading ranges from `buf`, to the start of `out` (at least
   * {@link OutputBatch.byteLength} bytes); returns the bytes written.
   */
  writeTo(buf: Uint8Array, out: Uint8Array): number {
    const ops = this.#ops
    const used = this.#used
    const extras = this.#extras
    let pos = 0
    for (let k = 0; k < used; k += 4) {
      const kind = ops[k]!
      const start = ops[k + 1]!
      const end = ops[k + 2]!
      if (kind === RANGE) pos = copy(buf, start, end, out, pos)
      else {
        const extra = extras[ops[k + 3]!]!
        if (kind === RELABELLED) {
          out[pos++] = 0x0a
          pos = writeVarint32(out, pos, extra.length + end - start)
        }
        pos = copy(extra, 0, extra.length, out, pos)
        if (kind === RELABELLED) pos = copy(buf, start, end, out, pos)
      }
    }
    return pos
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
 * created when the first series lands there and kept, emptied, for later pushes. A sink also has a
 * batch per shard for each other cluster member whose series reach it: batch `slot x shardCount +
 * shard`, where slot 0 is this node and slot `k + 1` the member of ownership index `k`.
 */
export class Destination {
  readonly id: string
  readonly main: boolean
  readonly shardCount: number
  readonly shards: (OutputBatch | undefined)[]

  constructor(id: string, main: boolean, shards: number) {
    this.id = id
    this.main = main
    this.shardCount = shards
    this.shards = new Array<OutputBatch | undefined>(shards)
  }

  /** Empties every batch for the next push. */
  reset(): void {
    for (const batch of this.shards) batch?.reset()
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

/**
 * Compresses sink batches through one reused buffer: a batch is laid out uncompressed in it and only
 * the snappy block leaves, so a push allocates its compressed size per shard rather than its
 * uncompressed size. One per worker thread; grows to the largest batch seen.
 */
export class BatchCompressor {
  #scratch = new Uint8Array(64 * 1024)

  /**
   * The batch, reading ranges from `buf`, as one snappy block in a fresh, exact-size buffer. When the
   * batch is the whole of `buf` unchanged and `block` is the snappy block `buf` was decoded from, that
   * block is the answer: it decodes to the same bytes (the decoder checked it), and it joins with
   * other blocks like any block, since a valid block never copies from before its own start. A push
   * that one sink takes whole onto one shard (one node, one shard, no relabelling) is then stored as
   * it arrived, without being compressed again: a third of a push's CPU (docs/benchmarks.md).
   */
  compress(batch: OutputBatch, buf: Uint8Array, block: Uint8Array | null = null): Uint8Array {
    if (block !== null && batch.isWhole(buf.length)) return block
    const size = batch.byteLength
    if (this.#scratch.length < size) this.#scratch = new Uint8Array(Math.max(size, this.#scratch.length * 2))
    const written = batch.writeTo(buf, this.#scratch)
    return snappyEncode(this.#scratch.subarray(0, written))
  }
}
