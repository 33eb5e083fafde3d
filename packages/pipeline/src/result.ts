/** The series of one push that one sink keeps on one WAL shard. */
export class PushOutput {
  readonly sinkId: string
  readonly shard: number
  /**
   * The sink's shard count `shard` was chosen with (the plan's). A sink whose count changed since
   * refuses the record: one series could otherwise land on two of its shards and lose its order.
   */
  readonly shards: number
  /**
   * A remote-write 1.0 WriteRequest as one snappy block (the request body a backend takes), in its
   * own ArrayBuffer. Blocks join without recompression (`snappyJoin` of `@sluice/wire`).
   */
  readonly payload: Uint8Array
  readonly series: number
  readonly samples: number

  constructor(
    sinkId: string,
    shard: number,
    shards: number,
    payload: Uint8Array,
    series: number,
    samples: number,
  ) {
    this.sinkId = sinkId
    this.shard = shard
    this.shards = shards
    this.payload = payload
    this.series = series
    this.samples = samples
  }
}

/** Everything of one push that reached a receiver running on the main thread. */
export class MainOutput {
  readonly id: string
  /** An uncompressed remote-write 1.0 WriteRequest, in its own ArrayBuffer. */
  readonly payload: Uint8Array
  readonly series: number
  readonly samples: number

  constructor(id: string, payload: Uint8Array, series: number, samples: number) {
    this.id = id
    this.payload = payload
    this.series = series
    this.samples = samples
  }
}

/**
 * What the plan made of the series of one push that another cluster member owns: the WAL records its
 * sinks take, to forward to it.
 */
export class RemoteOutput {
  /** Index of the owner in the ownership table. */
  readonly ownerIndex: number
  /**
   * A forward body (forward-body.ts): one part per (sink, shard) reached, each a snappy block as that
   * sink stores it; in its own ArrayBuffer.
   */
  readonly payload: Uint8Array
  /** Series of the push the member owns (as received, before relabelling), and their samples. */
  readonly series: number
  readonly samples: number

  constructor(ownerIndex: number, payload: Uint8Array, series: number, samples: number) {
    this.ownerIndex = ownerIndex
    this.payload = payload
    this.series = series
    this.samples = samples
  }
}

/** What one push became. */
export class PushResult {
  /** One entry per (sink, shard) that received series or metadata, ready for that WAL shard. */
  readonly local: PushOutput[]
  readonly main: MainOutput[]
  /** One entry per other owner that any of its series reached a sink for. */
  readonly remote: RemoteOutput[]
  readonly seriesIn: number
  readonly samplesIn: number
  /** Series dropped by a relabel stage, counted once per stage that dropped one. */
  readonly droppedByRelabel: number

  constructor(
    local: PushOutput[],
    main: MainOutput[],
    remote: RemoteOutput[],
    seriesIn: number,
    samplesIn: number,
    droppedByRelabel: number,
  ) {
    this.local = local
    this.main = main
    this.remote = remote
    this.seriesIn = seriesIn
    this.samplesIn = samplesIn
    this.droppedByRelabel = droppedByRelabel
  }
}
