import { MEMBER_STATES, type MemberState, NOT_FLUSHED } from './member.ts'

/**
 * What every node publishes on the membership topic each heartbeat interval. `seq` grows by one per
 * heartbeat within a generation, so a heartbeat that gossip delivers late (through a relay, after a
 * newer one came direct) is recognised and cannot undo a newer state such as `leaving`. `addrs` are
 * the node's multiaddrs, so that a node that joined through one member can dial all the others.
 * `flushed` is the hand-over claim (see {@link Member.flushed}), `shards` the remote-write shard counts
 * the node wants (see {@link Member.shards}; absent: none).
 */
export interface Heartbeat {
  cluster: string
  id: string
  name: string
  dataUrl: string
  state: MemberState
  generation: number
  seq: number
  addrs: string[]
  flushed: number
  shards?: Record<string, number>
}

/**
 * Heartbeats are a few hundred bytes, plus a shard count per remote-write endpoint; anything larger
 * than what the bounds below allow is not one of ours.
 */
export const MAX_HEARTBEAT_BYTES = 64 * 1024

/** The most shard counts one heartbeat may carry (one per remote-write endpoint of the node). */
export const MAX_SHARD_WANTS = 256
/** The longest sink id (component id and endpoint name) a shard count may be published for. */
export const MAX_SINK_ID_LENGTH = 200
/** A WAL has at most this many shards (`@sluice/wal`'s MAX_SHARDS). */
const MAX_SHARD_COUNT = 0x10000

/** A shard count a heartbeat may carry: an integer from 1 to a WAL's most shards. */
export function isShardCount(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_SHARD_COUNT
}

function isShardWants(v: unknown): v is Record<string, number> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const entries = Object.entries(v)
  return (
    entries.length <= MAX_SHARD_WANTS &&
    entries.every(([id, n]) => id.length <= MAX_SINK_ID_LENGTH && isShardCount(n))
  )
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeHeartbeat(hb: Heartbeat): Uint8Array {
  return encoder.encode(JSON.stringify(hb))
}

/** The heartbeat in `data`, or undefined when it is not a well-formed one (it is then ignored and counted). */
export function decodeHeartbeat(data: Uint8Array): Heartbeat | undefined {
  if (data.byteLength > MAX_HEARTBEAT_BYTES) return undefined
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(data))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  if (
    typeof v.cluster !== 'string' ||
    typeof v.id !== 'string' ||
    typeof v.name !== 'string' ||
    typeof v.dataUrl !== 'string' ||
    !MEMBER_STATES.includes(v.state as MemberState) ||
    !Number.isSafeInteger(v.generation) ||
    !Number.isSafeInteger(v.seq) ||
    !Array.isArray(v.addrs) ||
    !v.addrs.every((a) => typeof a === 'string') ||
    !(v.flushed === undefined || Number.isSafeInteger(v.flushed)) ||
    !(v.shards === undefined || isShardWants(v.shards))
  ) {
    return undefined
  }
  return {
    cluster: v.cluster,
    id: v.id,
    name: v.name,
    dataUrl: v.dataUrl,
    state: v.state as MemberState,
    generation: v.generation as number,
    seq: v.seq as number,
    addrs: v.addrs as string[],
    // A heartbeat without the field claims nothing.
    flushed: (v.flushed as number | undefined) ?? NOT_FLUSHED,
    shards: { ...((v.shards as Record<string, number> | undefined) ?? {}) },
  }
}
