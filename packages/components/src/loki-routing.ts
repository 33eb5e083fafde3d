import type { OwnershipTable } from '@sluice/cluster/ownership'
import { compareLabelNames, type Label, SluiceError, sortLabels } from '@sluice/contracts'
import { encodeLokiPush, hashLabels, type LokiStream } from '@sluice/wire'
import { fanOut, type LogsReceiver } from './loki-receiver.ts'
import type { ClusterRouting } from './services.ts'

/** A push's streams split by owner: this node's, and every other owner's by its index in the table. */
export class StreamSplit {
  readonly local: LokiStream[]
  readonly remote: Map<number, LokiStream[]>

  constructor() {
    this.local = []
    this.remote = new Map()
  }
}

function sorted(labels: readonly Label[]): readonly Label[] {
  for (let i = 1; i < labels.length; i++)
    if (compareLabelNames(labels[i - 1]!.name, labels[i]!.name) > 0) return sortLabels([...labels])
  return labels
}

/**
 * Index in `table` of the member that owns a stream: its label set, sorted by name, hashed with the
 * series hash of `@sluice/wire`, as a series is (so one owner function serves metrics and logs).
 */
export function ownerOfStream(table: OwnershipTable, labels: readonly Label[]): number {
  const h = hashLabels(sorted(labels))
  return table.ownerIndexOfHash(Number(h >> 32n), Number(h & 0xffffffffn))
}

/** Splits streams by owner; every stream lands in exactly one group, keeping the push's order within it. */
export function splitStreams(
  streams: readonly LokiStream[],
  table: OwnershipTable,
  selfIndex: number,
): StreamSplit {
  const split = new StreamSplit()
  for (const stream of streams) {
    const owner = ownerOfStream(table, stream.labels)
    if (owner === selfIndex) {
      split.local.push(stream)
      continue
    }
    const group = split.remote.get(owner)
    if (group) group.push(stream)
    else split.remote.set(owner, [stream])
  }
  return split
}

/** No member is ready to own streams yet (the cluster is forming): the sender retries. */
export class ClusterNotReadyError extends SluiceError {
  constructor() {
    super('SLUICE_ERR_CLUSTER_NOT_READY', 'no cluster member is ready to own log streams yet', {
      status: 503,
    })
  }
}

/**
 * Hands each stream to its owner and resolves once every part is durable: this node's streams in
 * its receivers' WALs, the others' in their owners' (forwarded over the cluster's logs path). When
 * this node keeps streams, the push is first admitted under the table it was split by (ownership
 * version and hand-over, docs/cluster.md), before anything is written or forwarded, so that a
 * refused push leaves no partial copy. Any failure rejects: the sender retries the whole push.
 */
export async function routeStreams(
  cluster: ClusterRouting,
  componentId: string,
  receivers: readonly LogsReceiver[],
  streams: readonly LokiStream[],
): Promise<void> {
  if (streams.length === 0) return
  const owned = cluster.localOwnership()
  if (!owned) throw new ClusterNotReadyError()
  const split = splitStreams(streams, owned.table, owned.selfIndex)
  const admission = split.local.length > 0 ? cluster.admit(owned.table.version) : undefined
  const local = split.local.length > 0 ? fanOut(receivers, split.local) : undefined
  // The admission covers this node's own appends only: a slow forward must not delay its flush claim.
  if (admission && local)
    void local.then(admission.release.bind(admission), admission.release.bind(admission))
  const parts: Promise<void>[] = local ? [local] : []
  for (const [owner, group] of split.remote)
    parts.push(cluster.forwardLogs(owned.table, owner, componentId, encodeLokiPush({ streams: group })))
  const settled = await Promise.allSettled(parts)
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
}
