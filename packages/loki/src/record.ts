import type { Label } from '@sluice/contracts'
import { encodeLokiPush, hashLabels, type LokiStream } from '@sluice/wire'

/**
 * The WAL shard of a stream: a hash of its label set, so that every entry of one stream goes through
 * one shard and reaches Loki in the order it was appended (Loki rejects out-of-order entries of a
 * stream unless told otherwise).
 */
export function streamShard(labels: readonly Label[], shards: number): number {
  return Number(hashLabels(labels) % BigInt(shards))
}

/** One WAL record: an uncompressed `logproto.PushRequest` and how many entries it holds. */
export class StreamRecord {
  readonly payload: Uint8Array
  readonly samples: number

  constructor(payload: Uint8Array, samples: number) {
    this.payload = payload
    this.samples = samples
  }
}

/**
 * Groups streams by WAL shard and encodes each group as one PushRequest. A PushRequest is a repeated
 * field of streams, so records concatenated later are one valid request.
 */
export function recordsByShard(streams: readonly LokiStream[], shards: number): Map<number, StreamRecord> {
  const groups = new Map<number, LokiStream[]>()
  for (const stream of streams) {
    if (stream.entries.length === 0) continue
    const shard = streamShard(stream.labels, shards)
    const group = groups.get(shard)
    if (group) group.push(stream)
    else groups.set(shard, [stream])
  }
  const records = new Map<number, StreamRecord>()
  for (const [shard, group] of groups) {
    const entries = group.reduce((sum, s) => sum + s.entries.length, 0)
    records.set(shard, new StreamRecord(encodeLokiPush({ streams: group }), entries))
  }
  return records
}
