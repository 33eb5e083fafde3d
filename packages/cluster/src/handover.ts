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
