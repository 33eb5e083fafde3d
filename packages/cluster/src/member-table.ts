import type { Heartbeat } from './heartbeat.ts'
import type { Member } from './member.ts'

/** One remote member and what is needed to judge whether it is alive and how to reach it. */
class PeerEntry {
  member: Member
  seq: number
  addrs: string[]
  /** When the last connection to it closed, if it has not been heard from since. */
  disconnectedAt: number | undefined

  constructor(member: Member, seq: number, addrs: string[]) {
    this.member = member
    this.seq = seq
    this.addrs = addrs
    this.disconnectedAt = undefined
  }
}

/** The last heartbeat of a member that was removed, so a late copy of an older one cannot resurrect it. */
interface Tombstone {
  generation: number
  seq: number
  removedAt: number
}

/** How a heartbeat changed the table. */
export type ObserveResult = 'added' | 'updated' | 'stale'

/**
 * The remote members this node knows, without any networking, so the liveness rules can be tested
 * with a fake clock. A member is dead when it has not been heard from for `deadAfterMs`, or when its
 * last connection closed and no heartbeat arrived within `disconnectGraceMs` afterwards (a heartbeat
 * relayed by another member proves it alive although the direct connection is gone).
 */
export class MemberTable {
  readonly #deadAfterMs: number
  readonly #disconnectGraceMs: number
  readonly #peers = new Map<string, PeerEntry>()
  readonly #tombstones = new Map<string, Tombstone>()

  constructor(deadAfterMs: number, disconnectGraceMs: number) {
    this.#deadAfterMs = deadAfterMs
    this.#disconnectGraceMs = disconnectGraceMs
  }

  /** Applies a heartbeat received at `now`. Older generations and already-seen sequence numbers are stale. */
  observe(hb: Heartbeat, now: number): ObserveResult {
    const entry = this.#peers.get(hb.id)
    const last = entry ? { generation: entry.member.generation, seq: entry.seq } : this.#tombstones.get(hb.id)
    if (
      last &&
      (hb.generation < last.generation || (hb.generation === last.generation && hb.seq <= last.seq))
    ) {
      return 'stale'
    }
    const member: Member = {
      id: hb.id,
      name: hb.name,
      dataUrl: hb.dataUrl,
      state: hb.state,
      generation: hb.generation,
      lastSeen: now,
      flushed: hb.flushed,
      shards: hb.shards ?? {},
    }
    if (entry) {
      entry.member = member
      entry.seq = hb.seq
      entry.addrs = hb.addrs
      entry.disconnectedAt = undefined
      return 'updated'
    }
    this.#tombstones.delete(hb.id)
    this.#peers.set(hb.id, new PeerEntry(member, hb.seq, hb.addrs))
    return 'added'
  }

  /** Records that the last connection to `id` closed at `now`. */
  disconnected(id: string, now: number): void {
    const entry = this.#peers.get(id)
    if (entry && entry.disconnectedAt === undefined) entry.disconnectedAt = now
  }

  /** Records that `id` is connected again; only a heartbeat proves it alive, but the disconnect no longer counts. */
  connected(id: string): void {
    const entry = this.#peers.get(id)
    if (entry) entry.disconnectedAt = undefined
  }

  /** Removes the members dead at `now` and returns them. */
  expire(now: number): Member[] {
    const removed: Member[] = []
    for (const [id, entry] of this.#peers) {
      const silent = now - entry.member.lastSeen > this.#deadAfterMs
      const cutOff =
        entry.disconnectedAt !== undefined && now - entry.disconnectedAt > this.#disconnectGraceMs
      if (silent || cutOff) {
        this.#peers.delete(id)
        this.#tombstones.set(id, { generation: entry.member.generation, seq: entry.seq, removedAt: now })
        removed.push(entry.member)
      }
    }
    // A tombstone only has to outlive copies of old heartbeats still travelling through gossip.
    for (const [id, t] of this.#tombstones) {
      if (now - t.removedAt > 10 * this.#deadAfterMs) this.#tombstones.delete(id)
    }
    return removed
  }

  /** Live remote members, in no particular order. */
  members(): Member[] {
    return Array.from(this.#peers.values(), (e) => e.member)
  }

  get(id: string): Member | undefined {
    return this.#peers.get(id)?.member
  }

  /** The multiaddrs a member announced in its last heartbeat. */
  addrsOf(id: string): readonly string[] {
    return this.#peers.get(id)?.addrs ?? []
  }
}
