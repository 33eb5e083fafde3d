import type { Label } from '@sluice/contracts'
import {
  encodeLabelFields,
  hashLabels,
  LabelKey,
  LimitError,
  readSeriesLabels,
  rewriteSeriesLabels,
  type SeriesIndex,
  snappyDecode,
  snappyDecodedLength,
  splitWriteRequest,
  v2ToV1,
} from '@sluice/wire'
import { encodeForwardBody, ForwardPart } from './forward-body.ts'
import { labelRegion, labelsStart } from './label-fields.ts'
import { sameLabels, withExternalLabels } from './labels.ts'
import { BatchCompressor, Destination, type OutputBatch } from './outputs.ts'
import { type OwnerLookup, OwnershipCache } from './ownership-cache.ts'
import type { PushJob, StagePlan } from './plan.ts'
import { type LabelProcessor, ProcessorCache, WRITE_RELABEL_CACHE_SIZE } from './processors.ts'
import { MainOutput, PushOutput, PushResult, RemoteOutput } from './result.ts'
import { MemoEntry, MemoTarget, SeriesMemo } from './series-memo.ts'

/** A relabel stage of one push, its rules compiled. */
class RelabelNode {
  readonly processor: LabelProcessor
  readonly next: Node[]

  constructor(processor: LabelProcessor, next: Node[]) {
    this.processor = processor
    this.next = next
  }
}

/** A sink of one push: its destination, and what it does to labels first. */
class SinkNode {
  readonly dest: number
  readonly shards: number
  readonly externalLabels: Label[]
  readonly writeRelabel: LabelProcessor | null

  constructor(dest: number, shards: number, externalLabels: Label[], writeRelabel: LabelProcessor | null) {
    this.dest = dest
    this.shards = shards
    this.externalLabels = externalLabels
    this.writeRelabel = writeRelabel
  }
}

/** A main-thread receiver of one push. */
class MainNode {
  readonly dest: number

  constructor(dest: number) {
    this.dest = dest
  }
}

type Node = RelabelNode | SinkNode | MainNode

/** Most destinations kept for reuse. */
const MAX_DESTINATIONS = 1024

/** Largest decoded body kept in the runner's reused buffer. */
const MAX_REUSED_BYTES = 4 << 20

/** Bounds of a worker's caches. */
export interface RunnerOptions {
  /** Most relabel stages (and sinks' write_relabel rule sets) kept compiled. Default 256. */
  maxStages?: number
  /** Most plans (receivers' forward_to graphs) whose per-series outcomes are remembered. Default 4. */
  maxPlans?: number
  /**
   * Most series outcomes remembered per plan. An entry holds the series' label bytes and its new label
   * fields per destination, a few hundred bytes for typical series. Default 50 000.
   */
  memoEntries?: number
}

/**
 * Runs pushes: the worker-side path of DESIGN.md's "data path of one push". One instance lives in each
 * worker thread and keeps, between pushes, the compiled relabel rules, the ownership table and what
 * each plan did to each series it saw.
 */
export class PushRunner {
  readonly #processors: ProcessorCache
  readonly #ownership = new OwnershipCache()
  readonly #compressor = new BatchCompressor()
  /** Destinations by kind, shard count and id; see {@link PushRunner.#destinationIndex}. */
  readonly #destinations = new Map<string, Destination>()
  /** Where snappy bodies are decoded, reused push after push (see {@link PushRunner.#decode}). */
  #decoded = new Uint8Array(0)
  readonly #memos = new Map<string, SeriesMemo>()
  /** The key labels of the last keyed push, and their compiled set. */
  #keyNames = ''
  #key: LabelKey | null = null
  readonly #maxPlans: number
  readonly #memoEntries: number

  constructor(options: RunnerOptions = {}) {
    this.#processors = new ProcessorCache(options.maxStages ?? 256)
    this.#maxPlans = options.maxPlans ?? 4
    this.#memoEntries = options.memoEntries ?? 50_000
  }

  /**
   * Decodes, splits, relabels and routes one push: every series runs the plan, and what reaches a sink
   * is batched per (owner, sink, shard), the owner decided by the series as received.
   *
   * @throws the typed errors of `@sluice/wire` (DecodeError, SnappyError, LimitError) for bad input.
   */
  run(job: PushJob): PushResult {
    const max = job.limits.maxDecodedBytes
    // An identity body is its own decoded form, so the same cap applies to its length.
    if (job.encoding === 'identity' && job.body.length > max) {
      throw new LimitError('maxDecodedBytes', max, job.body.length)
    }
    let buf = job.encoding === 'snappy' ? this.#decode(job.body, max) : job.body
    // A remote-write 1.0 body as received is a snappy block of `buf`, which a sink taking all of it
    // unchanged stores as it is (BatchCompressor.compress).
    let block: Uint8Array | null = job.encoding === 'snappy' ? job.body : null
    if (job.protocol === 'v2') {
      buf = v2ToV1(buf, job.limits)
      block = null
    }
    const owners = job.ownership === undefined ? null : this.#ownership.lookup(job.ownership.table)
    const key = this.#labelKey(job.ownership?.keyLabels)
    const destinations: Destination[] = []
    const nodes = this.#compile(job.plan, destinations)
    const direct = directTargets(nodes)
    const hashes = needsHashes(key === null ? owners : null, direct)
    const index = splitWriteRequest(buf, job.limits, key === null ? { hashes } : { hashes, keyLabels: key })
    const run = new Run(buf, block, index, key !== null, destinations, this.#memo(job.plan), this.#compressor)
    const selfIndex = job.ownership?.selfIndex ?? -1
    if (direct === null) run.route(owners, selfIndex, nodes)
    else run.routeDirect(owners, selfIndex, direct)
    return run.finish()
  }

  /**
   * Decodes into the runner's buffer: a run copies whatever it emits out of the decoded bytes (and
   * the memo keeps copies of label bytes), so the next push can overwrite them. Half a megabyte of
   * fresh external memory per push was what drove the worker's collections. Bodies that decode past
   * {@link MAX_REUSED_BYTES} get a buffer of their own, so one huge push does not pin its size.
   */
  #decode(body: Uint8Array, max: number): Uint8Array {
    const length = snappyDecodedLength(body)
    if (length > this.#decoded.length && length <= Math.min(max, MAX_REUSED_BYTES)) {
      this.#decoded = new Uint8Array(Math.min(MAX_REUSED_BYTES, Math.max(length, this.#decoded.length * 2)))
    }
    return snappyDecode(body, max, this.#decoded)
  }

  /** The compiled key labels of a push routed by key, null for one routed by all labels (or not routed). */
  #labelKey(names: readonly string[] | undefined): LabelKey | null {
    if (names === undefined || names.length === 0) return null
    const joined = names.join('\u0000')
    if (joined !== this.#keyNames) {
      this.#keyNames = joined
      this.#key = new LabelKey(names)
    }
    return this.#key
  }

  /** Number of relabel rule sets held compiled (bounded by `maxStages`). */
  get compiledStages(): number {
    return this.#processors.size
  }

  /** The outcome memo of this plan; keyed by the plan's JSON, so any change of rules or graph starts afresh. */
  #memo(plan: StagePlan[]): SeriesMemo {
    const key = JSON.stringify(plan)
    let memo = this.#memos.get(key)
    if (memo !== undefined) {
      this.#memos.delete(key)
    } else {
      memo = new SeriesMemo(this.#memoEntries)
      if (this.#memos.size >= this.#maxPlans) this.#memos.delete(this.#memos.keys().next().value!)
    }
    this.#memos.set(key, memo)
    return memo
  }

  /**
   * The index of a destination in this push's list, adding it (emptied) on its first use in the push.
   * Destinations, with their batches, are kept across pushes so that their segment arrays are reused.
   */
  #destinationIndex(destinations: Destination[], id: string, main: boolean, shards: number): number {
    const found = destinations.findIndex((d) => d.id === id && d.main === main)
    if (found !== -1) return found
    const key = `${main ? 'main' : 'sink'}/${shards}/${id}`
    let dest = this.#destinations.get(key)
    if (dest === undefined) {
      // Plans change on reload only; a bound keeps a long run of reloads from holding stale ones.
      if (this.#destinations.size >= MAX_DESTINATIONS) this.#destinations.clear()
      dest = new Destination(id, main, shards)
      this.#destinations.set(key, dest)
    } else dest.reset()
    destinations.push(dest)
    return destinations.length - 1
  }

  /** Builds the push's nodes; destinations get indices in plan order, one per sink or main id. */
  #compile(plan: StagePlan[], destinations: Destination[]): Node[] {
    const nodes: Node[] = []
    for (const stage of plan) {
      if (stage.kind === 'relabel') {
        // No rules: the stage is a pure fan-out (remote_write's several endpoints). Its next stages
        // take its place, with no relabeller or cache (a cache of 0 entries is refused).
        if (stage.rules.length === 0) {
          nodes.push(...this.#compile(stage.next, destinations))
          continue
        }
        const processor = this.#processors.get('relabel', stage.id, stage.rules, stage.cacheSize)
        nodes.push(new RelabelNode(processor, this.#compile(stage.next, destinations)))
      } else if (stage.kind === 'sink') {
        const writeRelabel =
          stage.writeRelabel.length === 0
            ? null
            : this.#processors.get('sink', stage.id, stage.writeRelabel, WRITE_RELABEL_CACHE_SIZE)
        const dest = this.#destinationIndex(destinations, stage.id, false, stage.shards)
        const shards = destinations[dest]!.shardCount
        nodes.push(new SinkNode(dest, shards, stage.externalLabels, writeRelabel))
      } else {
        nodes.push(new MainNode(this.#destinationIndex(destinations, stage.id, true, 1)))
      }
    }
    return nodes
  }
}

/**
 * The nodes as (destination, shard count) pairs when no node can change or drop a series: only sinks
 * without external labels or write_relabel rules, and main receivers (one shard). Such a plan sends
 * every series, as received, to each destination, on the shard of its received hash — the outcome the
 * general path computes, without the per-series memo, label decoding or pending list. This is the
 * plain receive -> remote_write pipeline.
 */
function directTargets(nodes: Node[]): number[] | null {
  const pairs: number[] = []
  for (const node of nodes) {
    if (node instanceof MainNode) pairs.push(node.dest, 1)
    else if (node instanceof SinkNode && node.externalLabels.length === 0 && node.writeRelabel === null)
      pairs.push(node.dest, node.shards)
    else return null
  }
  return pairs
}

/**
 * Whether a push needs its series' label hashes: to find their owners (`owners`, null when the push is
 * owned by key: key hashes decide then), to spread them over more than one shard, or on the general
 * path (its memo is keyed by them). A single node sending through one shard without relabelling does
 * not, and skips computing them; nor does a member owning series by key on the same plan.
 */
function needsHashes(owners: OwnerLookup | null, direct: number[] | null): boolean {
  if (owners !== null || direct === null) return true
  for (let t = 1; t < direct.length; t += 2) if (direct[t]! > 1) return true
  return false
}

/** A destination reached by the series being visited, before its labels are encoded. */
class Pending {
  readonly dest: number
  readonly shard: number
  readonly labels: Label[] | null

  constructor(dest: number, shard: number, labels: Label[] | null) {
    this.dest = dest
    this.shard = shard
    this.labels = labels
  }
}

/** The state of one push while it runs: the decoded buffer, its index, and the batches being filled. */
class Run {
  readonly buf: Uint8Array
  /** The snappy block `buf` was decoded from, when it was received as one (see BatchCompressor). */
  readonly block: Uint8Array | null
  readonly index: SeriesIndex
  /** What decides each series' owner: its key hash (routed by key) or its series hash. */
  readonly ownerHi: Uint32Array
  readonly ownerLo: Uint32Array
  readonly destinations: Destination[]
  readonly memo: SeriesMemo
  readonly compressor: BatchCompressor
  dropped = 0
  /** Series and samples of the push per other owner (by ownership index). */
  readonly remoteSeries: number[] = []
  readonly remoteSamples: number[] = []
  /** Batch slot of the series being routed: 0 for this node, `owner + 1` for another owner. */
  #slot = 0
  // The series being visited on the general path. Its labels are decoded at most once.
  #start = 0
  #end = 0
  #hashLo = 0
  #original: Label[] | null = null
  #pending: Pending[] = []
  #droppedHere = 0

  constructor(
    buf: Uint8Array,
    block: Uint8Array | null,
    index: SeriesIndex,
    keyed: boolean,
    destinations: Destination[],
    memo: SeriesMemo,
    compressor: BatchCompressor,
  ) {
    this.buf = buf
    this.block = block
    this.index = index
    this.ownerHi = keyed ? index.keyHi : index.hashHi
    this.ownerLo = keyed ? index.keyLo : index.hashLo
    this.destinations = destinations
    this.memo = memo
    this.compressor = compressor
  }

  /**
   * Runs the plan on each series and batches what reaches a sink under the series' owner, decided by
   * its hash as received (so ownership does not depend on relabelling). A hash with no owner (no ready
   * member, -1) stays here: keeping it is safer than refusing a push while the cluster forms.
   */
  route(owners: OwnerLookup | null, selfIndex: number, nodes: Node[]): void {
    const { buf, memo, ownerHi, ownerLo } = this
    const { count, starts, ends, hashHi, hashLo, samples } = this.index
    for (let i = 0; i < count; i++) {
      const hi = hashHi[i]!
      const lo = hashLo[i]!
      this.#slot =
        owners === null ? 0 : this.#slotOf(owners.ownerIndexOfHash(ownerHi[i]!, ownerLo[i]!), selfIndex, i)
      const start = starts[i]!
      const end = ends[i]!
      const labelsEnd = labelRegion(buf, start, end)
      if (labelsEnd === -1) {
        this.#general(nodes, i)
        continue
      }
      const lStart = labelsStart
      let entry = memo.get(hi, lo, buf, lStart, labelsEnd)
      if (entry === undefined) {
        entry = this.#outcome(nodes, i, buf.slice(lStart, labelsEnd))
        memo.set(hi, lo, entry)
      }
      this.dropped += entry.dropped
      const n = samples[i]!
      const targets = entry.targets
      for (let t = 0; t < targets.length; t++) {
        const target = targets[t]!
        const batch = this.#batch(target.dest, target.shard)
        if (target.labelFields === null) batch.addRange(start, end, n)
        else batch.addRelabelled(target.labelFields, labelsEnd, end, n)
      }
    }
  }

  /** The batch slot of series `i` owned by `owner`, counting it for that owner when it is another. */
  #slotOf(owner: number, selfIndex: number, i: number): number {
    if (owner === -1 || owner === selfIndex) return 0
    this.remoteSeries[owner] = (this.remoteSeries[owner] ?? 0) + 1
    this.remoteSamples[owner] = (this.remoteSamples[owner] ?? 0) + this.index.samples[i]!
    return owner + 1
  }

  /**
   * The batch of shard `shard` of destination `dest` for the current series' owner. Main-thread
   * receivers take every series here, whoever owns it: they are not WALs, so order is not at stake.
   */
  #batch(dest: number, shard: number): OutputBatch {
    const d = this.destinations[dest]!
    return d.main ? d.shard(shard) : d.shard(this.#slot * d.shardCount + shard)
  }

  /**
   * {@link Run.route} for a plan that changes no series (see {@link directTargets}): `targets` holds
   * (destination, shard count) pairs, and a series goes to each on the shard of its received hash.
   */
  routeDirect(owners: OwnerLookup | null, selfIndex: number, targets: number[]): void {
    const { ownerHi, ownerLo } = this
    const { count, starts, ends, hashLo, samples } = this.index
    for (let i = 0; i < count; i++) {
      const lo = hashLo[i]!
      this.#slot =
        owners === null ? 0 : this.#slotOf(owners.ownerIndexOfHash(ownerHi[i]!, ownerLo[i]!), selfIndex, i)
      for (let t = 0; t < targets.length; t += 2) {
        this.#batch(targets[t]!, lo % targets[t + 1]!).addRange(starts[i]!, ends[i]!, samples[i]!)
      }
    }
  }

  /** Runs the plan on series `i` and records the outcome, with each new label set encoded once. */
  #outcome(nodes: Node[], i: number, labelBytes: Uint8Array): MemoEntry {
    this.#visitSeries(nodes, i)
    const targets: MemoTarget[] = []
    let lastLabels: Label[] | null = null
    let lastFields: Uint8Array | null = null
    for (const p of this.#pending) {
      if (p.labels !== null && p.labels !== lastLabels) {
        lastLabels = p.labels
        lastFields = encodeLabelFields(p.labels)
      }
      targets.push(new MemoTarget(p.dest, p.shard, p.labels === null ? null : lastFields))
    }
    return new MemoEntry(this.index.hashHi[i]!, labelBytes, this.#droppedHere, targets)
  }

  /** Series whose label fields are not all first: run the plan, re-encode with the wire codec. */
  #general(nodes: Node[], i: number): void {
    this.#visitSeries(nodes, i)
    this.dropped += this.#droppedHere
    const n = this.index.samples[i]!
    for (const p of this.#pending) {
      const batch = this.#batch(p.dest, p.shard)
      if (p.labels === null) batch.addRange(this.#start, this.#end, n)
      else batch.addBytes(rewriteSeriesLabels(this.buf, this.#start, this.#end, p.labels), n)
    }
  }

  #visitSeries(nodes: Node[], i: number): void {
    this.#start = this.index.starts[i]!
    this.#end = this.index.ends[i]!
    this.#hashLo = this.index.hashLo[i]!
    this.#original = null
    this.#pending = []
    this.#droppedHere = 0
    this.#visit(nodes, null)
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
        if (out === null) this.#droppedHere++
        else this.#visit(node.next, sameLabels(out, input) ? labels : out)
      } else if (node instanceof SinkNode) {
        this.#toSink(node, labels)
      } else {
        this.#pending.push(new Pending(node.dest, 0, labels))
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
        this.#droppedHere++
        return
      }
      if (!sameLabels(out, input)) labels = out
    }
    const lo = labels === null ? this.#hashLo : Number(BigInt.asUintN(32, hashLabels(labels)))
    this.#pending.push(new Pending(node.dest, lo % node.shards, labels))
  }

  /**
   * Assembles the payloads. Metadata entries (WriteRequest field 3) carry no labels and no owner: every
   * sink and main receiver reached gets them all, in this node's shard 0 of a sink (created for them if
   * needed), and they are not forwarded to other owners, whose own receivers see the metadata sent to
   * them. Another owner's batches become one forward body of (sink, shard) parts per owner.
   */
  finish(): PushResult {
    const { index, buf } = this
    const local: PushOutput[] = []
    const main: MainOutput[] = []
    const parts = new Map<number, ForwardPart[]>()
    for (const dest of this.destinations) {
      if (index.metadataCount > 0) {
        const first = dest.shard(0)
        for (let m = 0; m < index.metadataCount; m++) {
          first.addMetadata(index.metadataStarts[m]!, index.metadataEnds[m]!)
        }
      }
      for (let s = 0; s < dest.shards.length; s++) {
        const batch = dest.shards[s]
        if (batch === undefined || batch.empty) continue
        if (dest.main) {
          main.push(new MainOutput(dest.id, batch.finish(buf), batch.series, batch.samples))
          continue
        }
        // Sinks store snappy blocks in their WAL: a fifth of the bytes through LevelDB, and the
        // sender joins blocks into a request without compressing on the main thread. Another owner
        // appends the same blocks as they are.
        const payload = this.compressor.compress(batch, buf, this.block)
        const shard = s % dest.shardCount
        const slot = (s - shard) / dest.shardCount
        if (slot === 0) {
          local.push(new PushOutput(dest.id, shard, dest.shardCount, payload, batch.series, batch.samples))
          continue
        }
        const part = new ForwardPart(dest.id, shard, dest.shardCount, payload, batch.series, batch.samples)
        const list = parts.get(slot - 1)
        if (list === undefined) parts.set(slot - 1, [part])
        else list.push(part)
      }
    }
    const forward: RemoteOutput[] = []
    for (const [owner, list] of parts) {
      const body = encodeForwardBody(list)
      forward.push(new RemoteOutput(owner, body, this.remoteSeries[owner]!, this.remoteSamples[owner]!))
    }
    return new PushResult(local, main, forward, index.count, index.totalSamples(), this.dropped)
  }
}
