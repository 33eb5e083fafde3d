import type { Member } from './member.ts'
import type { OwnershipTable } from './ownership.ts'

/** What {@link HandoverGate.check} found. */
export type HandoverState = 'open' | 'holding' | 'released' | 'timed_out'

/**
 * The receiving side of a change of ownership, without networking or clocks of its own, so the
 * rules can be tested with plain tables and members.
 *
 * A node that gains keys must not write them to its WAL while a previous owner may still hold older
 * samples of them unsent: the backend would get the newer samples first and reject the older ones as
 * out of order. With rendezvous hashing a node gains keys only when it enters the ready set (from
 * every previous owner) or when members leave it (from those members): a member that stays never
 * loses a key to another member that stays. So after a change the gate waits for exactly those
 * previous owners to claim the new version as flushed (or to be gone), and holds writes until then,
 * for at most `maxHoldMs`.
 */
export class HandoverGate {
  readonly #selfId: string
  readonly #maxHoldMs: number
  readonly #waiting = new Set<string>()
  #version: number
  #since = 0

  constructor(selfId: string, maxHoldMs: number, initial: OwnershipTable) {
    this.#selfId = selfId
    this.#maxHoldMs = maxHoldMs
    this.#version = initial.version
  }

  /** The version of the table writes must have been routed by. */
  get version(): number {
    return this.#version
  }

  /** The members whose flush claim is awaited, sorted. */
  get waitingFor(): string[] {
    return [...this.#waiting].sort()
  }

  /** When the current hold began (ms), meaningful while {@link waitingFor} is not empty. */
  get since(): number {
    return this.#since
  }

  /** Takes a new ownership table; `prev` is the one it replaces. */
  adopt(prev: OwnershipTable, next: OwnershipTable, now: number): void {
    this.#version = next.version
    if (next.indexOf(this.#selfId) < 0) return
    const joined = prev.indexOf(this.#selfId) < 0
    const before = this.#waiting.size
    for (const m of prev.members) {
      if (m.id !== this.#selfId && (joined || next.indexOf(m.id) < 0)) this.#waiting.add(m.id)
    }
    if (before === 0 && this.#waiting.size > 0) this.#since = now
  }

  /**
   * Re-evaluates the hold against the live members (this node's view). A member is done when it is
   * gone or claims the current version as flushed. `released` and `timed_out` are reported once, by
   * the call that ends the hold.
   */
  check(live: readonly Member[], now: number): HandoverState {
    if (this.#waiting.size === 0) return 'open'
    const byId = new Map(live.map((m) => [m.id, m]))
    for (const id of this.#waiting) {
      const m = byId.get(id)
      if (m === undefined || m.flushed === this.#version) this.#waiting.delete(id)
    }
    if (this.#waiting.size === 0) return 'released'
    if (now - this.#since >= this.#maxHoldMs) {
      this.#waiting.clear()
      return 'timed_out'
    }
    return 'holding'
  }
}

/** What {@link CrashHold.check} found. */
export type CrashHoldState = 'open' | 'holding' | 'recovered' | 'timed_out'

/**
 * The other side of a crash: a member that vanished from the ready set without announcing `leaving`
 * (SIGKILL, OOM, a lost host or link) may have left acknowledged samples in its WAL, which it sends
 * when it starts again, before it owns keys. The members that took its keys over must not deliver
 * newer samples of those keys first, or a backend that rejects out-of-order samples drops the old
 * ones. Refusing writes for as long as a restart takes would stop ingestion, so this hold pauses
 * delivery instead: writes keep being accepted into the WALs, and the senders wait until a member of
 * the same name (its new incarnation, or the old one back from a partition) is ready, which it
 * becomes only after draining its WAL, or until `maxHoldMs` has passed.
 *
 * Like {@link HandoverGate} it has no clock or networking of its own.
 */
export class CrashHold {
  readonly #selfId: string
  readonly #maxHoldMs: number
  /** Names of crashed members awaited. */
  readonly #awaiting = new Set<string>()
  #since = 0

  constructor(selfId: string, maxHoldMs: number) {
    this.#selfId = selfId
    this.#maxHoldMs = maxHoldMs
  }

  /** The names of the crashed members awaited, sorted. */
  get awaiting(): string[] {
    return [...this.#awaiting].sort()
  }

  /** When the current hold began (ms), meaningful while {@link awaiting} is not empty. */
  get since(): number {
    return this.#since
  }

  /**
   * Takes a change of the ready set from `prev` to `next`. A member of `prev` missing from `next` and
   * from `live` altogether crashed (one that leaves gracefully is still live, as `leaving`, when it
   * drops out of the ready set). Nothing is held when `maxHoldMs` is 0 or this node owns nothing in
   * `next`, and so gains nothing. Returns the names newly awaited.
   */
  adopt(prev: OwnershipTable, next: OwnershipTable, live: readonly Member[], now: number): string[] {
    if (this.#maxHoldMs <= 0 || next.indexOf(this.#selfId) < 0) return []
    const liveIds = new Set(live.map((m) => m.id))
    const added: string[] = []
    for (const m of prev.members) {
      if (m.id === this.#selfId || next.indexOf(m.id) >= 0 || liveIds.has(m.id)) continue
      if (this.#awaiting.has(m.name)) continue
      if (this.#awaiting.size === 0) this.#since = now
      this.#awaiting.add(m.name)
      added.push(m.name)
    }
    return added
  }

  /**
   * Re-evaluates the hold against the live members. A crashed member is back when a member of its
   * name is ready. `recovered` and `timed_out` are reported once, by the call that ends the hold.
   */
  check(live: readonly Member[], now: number): CrashHoldState {
    if (this.#awaiting.size === 0) return 'open'
    for (const m of live) if (m.state === 'ready') this.#awaiting.delete(m.name)
    if (this.#awaiting.size === 0) return 'recovered'
    if (now - this.#since >= this.#maxHoldMs) {
      this.#awaiting.clear()
      return 'timed_out'
    }
    return 'holding'
  }
}
