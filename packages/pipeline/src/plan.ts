import type { Label } from '@sluice/contracts'
import type { RelabelRule } from '@sluice/relabel'
import type { WireLimits } from '@sluice/wire'

/**
 * A `prometheus.relabel` component: its rules run on every series that reaches it; a dropped series
 * stops here, a kept one goes on to every stage of `next` (Alloy's `forward_to`).
 */
export interface RelabelStage {
  kind: 'relabel'
  /** Component id; with a hash of `rules` it keys the worker's compiled-rule cache. */
  id: string
  rules: RelabelRule[]
  /** Most label sets remembered by this stage's relabel cache, per worker thread. */
  cacheSize: number
  next: StagePlan[]
}

/**
 * A `prometheus.remote_write` component. External labels are added under a series' own labels (a
 * label the series already has wins, as in Prometheus), then `writeRelabel` runs, and the series goes
 * to WAL shard `hashLo(final labels) % shards`, so that one series always lands on one shard.
 */
export interface SinkStage {
  kind: 'sink'
  id: string
  shards: number
  externalLabels: Label[]
  writeRelabel: RelabelRule[]
}

/** A receiver that runs on the main thread (a debug sink): it gets one payload of all it was sent. */
export interface MainStage {
  kind: 'main'
  id: string
}

/** One node of a receiver's compiled `forward_to` graph. */
export type StagePlan = RelabelStage | SinkStage | MainStage

/** Cluster routing for one push: the ownership table in its plain form and this node's index in it. */
export interface PushOwnership {
  /** `OwnershipTable.toPlain()` of `@sluice/cluster`. */
  table: unknown
  selfIndex: number
  /**
   * The labels whose values decide a series' owner (`clustering { shard_by_labels }`); absent or empty:
   * all of its labels. Every receiver that may see a series must route it by the same labels.
   */
  keyLabels?: readonly string[]
}

/** One remote-write request, as received over HTTP, and what to do with it. */
export interface PushJob {
  /**
   * The request body. When it is the sole view of a transferable ArrayBuffer it is moved to the
   * worker (and is detached afterwards); otherwise it is copied once.
   */
  body: Uint8Array
  encoding: 'snappy' | 'identity'
  /** Remote-write 1.0 or 2.0; 2.0 is converted to 1.0 first. */
  protocol: 'v1' | 'v2'
  limits: WireLimits
  /** The receiver's `forward_to` list, compiled. */
  plan: StagePlan[]
  /** Present when cluster routing is on: series owned by other members are not run through `plan`. */
  ownership?: PushOwnership
}
