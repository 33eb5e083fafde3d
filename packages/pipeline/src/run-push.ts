import type { Label } from '@sluice/contracts'
import {
  buildWriteRequest,
  hashLabels,
  LimitError,
  readSeriesLabels,
  rewriteSeriesLabels,
  type SeriesIndex,
  snappyDecode,
  splitWriteRequest,
  v2ToV1,
} from '@sluice/wire'
import { sameLabels, withExternalLabels } from './labels.ts'
import { OutputBatch, SinkBatches } from './outputs.ts'
import { type OwnerLookup, OwnershipCache } from './ownership-cache.ts'
import type { PushJob, StagePlan } from './plan.ts'
import { type LabelProcessor, ProcessorCache, WRITE_RELABEL_CACHE_SIZE } from './processors.ts'
import { MainOutput, PushOutput, PushResult, RemoteOutput } from './result.ts'

/** A relabel stage of one push, its rules compiled. */
class RelabelNode {
  readonly processor: LabelProcessor
  readonly next: Node[]

  constructor(processor: LabelProcessor, next: Node[]) {
    this.processor = processor
    this.next = next
  }
}

/** A sink of one push: where its series go, and what it does to their labels first. */
class SinkNode {
  readonly batches: SinkBatches
  readonly externalLabels: Label[]
  readonly writeRelabel: LabelProcessor | null

  constructor(batches: SinkBatches, externalLabels: Label[], writeRelabel: LabelProcessor | null) {
    this.batches = batches
    this.externalLabels = externalLabels
    this.writeRelabel = writeRelabel
  }
}

/** A main-thread receiver of one push. */
class MainNode {
  readonly id: string
  readonly batch: OutputBatch

  constructor(id: string, batch: OutputBatch) {
    this.id = id
    this.batch = batch
  }
}

type Node = RelabelNode | SinkNode | MainNode

/** Bounds of a worker's caches. */
export interface RunnerOptions {
  /** Most relabel stages (and sinks' write_relabel rule sets) kept compiled per worker. */
  maxStages?: number
}

/**
 * Runs pushes: the whole worker-side path of DESIGN.md's "data path of one push". One instance lives
 * in each worker thread and keeps the compiled relabel rules and the ownership table between pushes.
 */
export class PushRunner {
  readonly #processors: ProcessorCache
  readonly #ownership = new OwnershipCache()

  constructor(options: RunnerOptions = {}) {
    this.#processors = new ProcessorCache(options.maxStages ?? 256)
  }

  /**
   * Decodes, splits, routes and relabels one push.
   *
   * @throws the typed errors of `@sluice/wire` (DecodeError, SnappyError, LimitError) for bad input.
   */
  run(job: PushJob): PushResult {
    const max = job.limits.maxDecodedBytes
    // An identity body is its own decoded form, so the same cap applies to its length.
    if (job.encoding === 'identity' && job.body.length > max)
      throw new LimitError('maxDecodedBytes', max, job.body.length)
    let buf = job.encoding === 'snappy' ? snappyDecode(job.body, max) : job.body
    if (job.protocol === 'v2') buf = v2ToV1(buf, job.limits)
    const index = splitWriteRequest(buf, job.limits)
    const owners = job.ownership === undefined ? null : this.#ownership.lookup(job.ownership.table)
    const run = new Run(buf, index)
    const nodes = this.#compile(job.plan, run)
    const remote = run.route(owners, job.ownership?.selfIndex ?? -1, nodes)
    return run.finish(remote)
  }

  /** Number of relabel rule sets held compiled (bounded by `maxStages`). */
  get compiledStages(): number {
    return this.#processors.size
  }

  #compile(plan: StagePlan[], run: Run): Node[] {
    const nodes: Node[] = []
    for (const stage of plan) {
      if (stage.kind === 'relabel') {
        const processor = this.#processors.get('relabel', stage.id, stage.rules, stage.cacheSize)
        nodes.push(new RelabelNode(processor, this.#compile(stage.next, run)))
      } else if (stage.kind === 'sink') {
        const writeRelabel =
          stage.writeRelabel.length === 0
            ? null
            : this.#processors.get('sink', stage.id, stage.writeRelabel, WRITE_RELABEL_CACHE_SIZE)
        nodes.push(new SinkNode(run.sink(stage.id, stage.shards), stage.externalLabels, writeRelabel))
      } else {
        nodes.push(new MainNode(stage.id, run.main(stage.id)))
      }
    }
    return nodes
  }
}

/** The state of one push while it runs: the decoded buffer, its index, and the batches being filled. */
class Run {
  readonly buf: Uint8Array
  readonly index: SeriesIndex
  readonly #sinks = new Map<string, SinkBatches>()
  readonly #mains = new Map<string, OutputBatch>()
  dropped = 0
  // The series being visited. Its labels are decoded at most once, and only when a stage reads them.
  #start = 0
  #end = 0
  #samples = 0
  #hashLo = 0
  #original: Label[] | null = null
  // One-entry memo of the last label set encoded for this series: fan-out to several sinks with the
  // same final labels re-encodes once.
  #encodedFor: Label[] | null = null
  #encoded: Uint8Array = new Uint8Array(0)
  #encodedHashLo = 0

  constructor(buf: Uint8Array, index: SeriesIndex) {
    this.buf = buf
    this.index = index
  }

  sink(id: string, shards: number): SinkBatches {
    let batches = this.#sinks.get(id)
    if (batches === undefined) {
      batches = new SinkBatches(id, shards)
      this.#sinks.set(id, batches)
    }
    return batches
  }

  main(id: string): OutputBatch {
    let batch = this.#mains.get(id)
    if (batch === undefined) {
      batch = new OutputBatch()
      this.#mains.set(id, batch)
    }
    return batch
  }

  /**
   * Sends each series owned by another member to that member's list, untouched, and runs the plan on
   * the rest. A hash with no owner (no ready member, -1) stays here: keeping it is safer than
   * refusing a push while the cluster forms. Returns the other owners' series indices.
   */
  route(owners: OwnerLookup | null, selfIndex: number, nodes: Node[]): Map<number, number[]> {
    const { count, starts, ends, hashHi, hashLo, samples } = this.index
    const remote = new Map<number, number[]>()
    for (let i = 0; i < count; i++) {
      if (owners !== null) {
        const owner = owners.ownerIndexOfHash(hashHi[i]!, hashLo[i]!)
        if (owner !== -1 && owner !== selfIndex) {
          let list = remote.get(owner)
          if (list === undefined) {
            list = []
            remote.set(owner, list)
          }
          list.push(i)
          continue
        }
      }
      this.#start = starts[i]!
      this.#end = ends[i]!
      this.#samples = samples[i]!
      this.#hashLo = hashLo[i]!
      this.#original = null
      this.#encodedFor = null
      this.#visit(nodes, null)
    }
    return remote
  }

  #originalLabels(): Label[] {
    this.#original ??= readSeriesLabels(this.buf, this.#start, this.#end)
    return this.#original
  }

  /**
   * Runs `nodes` on the current series. `labels` is null while no stage has changed the series, so an
   * untouched series is copied as its original bytes and keeps its original hash.
   */
  #visit(nodes: Node[], labels: Label[] | null): void {
    for (let n = 0; n < nodes.length; n++) {
      const node = nodes[n]!
      if (node instanceof RelabelNode) {
        const input = labels ?? this.#originalLabels()
        const out = node.processor.process(input)
        if (out === null) this.dropped++
        else this.#visit(node.next, sameLabels(out, input) ? labels : out)
      } else if (node instanceof SinkNode) {
        this.#toSink(node, labels)
      } else if (labels === null) {
        node.batch.addRange(this.buf, this.#start, this.#end, this.#samples)
      } else {
        node.batch.addBytes(this.#encode(labels), this.#samples)
      }
    }
  }

  /** Prometheus's order: external labels first, then write_relabel, then the shard from the final labels. */
  #toSink(node: SinkNode, labels: Label[] | null): void {
    if (node.externalLabels.length > 0) {
      const base = labels ?? this.#originalLabels()
      const merged = withExternalLabels(base, node.externalLabels)
      if (merged !== base) labels = merged
    }
    if (node.writeRelabel !== null) {
      const input = labels ?? this.#originalLabels()
      const out = node.writeRelabel.process(input)
      if (out === null) {
        this.dropped++
        return
      }
      if (!sameLabels(out, input)) labels = out
    }
    const shards = node.batches.shards.length
    if (labels === null) {
      node.batches.shard(this.#hashLo % shards).addRange(this.buf, this.#start, this.#end, this.#samples)
    } else {
      const bytes = this.#encode(labels)
      node.batches.shard(this.#encodedHashLo % shards).addBytes(bytes, this.#samples)
    }
  }

  /** The current series re-encoded with `labels`; sets #encodedHashLo to the low half of their hash. */
  #encode(labels: Label[]): Uint8Array {
    if (this.#encodedFor !== labels) {
      this.#encoded = rewriteSeriesLabels(this.buf, this.#start, this.#end, labels)
      this.#encodedHashLo = Number(BigInt.asUintN(32, hashLabels(labels)))
      this.#encodedFor = labels
    }
    return this.#encoded
  }

  /**
   * Assembles the payloads. Metadata entries (WriteRequest field 3) carry no labels and no owner: every
   * sink and main receiver reached gets them all, in shard 0 of a sink (created for them if needed),
   * and they are not forwarded to other owners, whose own receivers see the metadata sent to them.
   */
  finish(remote: Map<number, number[]>): PushResult {
    const { index, buf } = this
    const hasMetadata = index.metadataCount > 0
    const local: PushOutput[] = []
    for (const batches of this.#sinks.values()) {
      if (hasMetadata) batches.shard(0)
      for (let s = 0; s < batches.shards.length; s++) {
        const batch = batches.shards[s]
        if (batch === undefined) continue
        if (s === 0) this.#addMetadata(batch)
        local.push(new PushOutput(batches.id, s, batch.builder.finish(), batch.series, batch.samples))
      }
    }
    const main: MainOutput[] = []
    for (const [id, batch] of this.#mains) {
      this.#addMetadata(batch)
      main.push(new MainOutput(id, batch.builder.finish(), batch.series, batch.samples))
    }
    const forward: RemoteOutput[] = []
    for (const [owner, selected] of remote) {
      let samples = 0
      for (let k = 0; k < selected.length; k++) samples += index.samples[selected[k]!]!
      forward.push(new RemoteOutput(owner, buildWriteRequest(buf, index, selected), selected.length, samples))
    }
    return new PushResult(local, main, forward, index.count, index.totalSamples(), this.dropped)
  }

  #addMetadata(batch: OutputBatch): void {
    const { metadataCount, metadataStarts, metadataEnds } = this.index
    for (let m = 0; m < metadataCount; m++) {
      batch.builder.addRange(this.buf, metadataStarts[m]!, metadataEnds[m]!)
    }
  }
}
