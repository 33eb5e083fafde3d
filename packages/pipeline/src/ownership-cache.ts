import { OwnershipTable } from '@sluice/cluster/ownership'

/** The owner lookup the pipeline needs: the index of a hash's owner, -1 when no member is ready. */
export interface OwnerLookup {
  ownerIndexOfHash(hashHi: number, hashLo: number): number
}

/**
 * Rebuilds ownership tables from their plain form, keeping the last one: membership changes rarely,
 * so nearly every push reuses the table built for the previous one instead of re-hashing member ids.
 */
export class OwnershipCache {
  #plain: { version: unknown; ids: unknown } | null = null
  #table: OwnerLookup | null = null

  lookup(plain: unknown): OwnerLookup {
    const p = plain as { version: unknown; ids: unknown }
    if (this.#table !== null && this.#plain !== null && samePlain(this.#plain, p)) return this.#table
    const table = OwnershipTable.from(plain)
    this.#plain = p
    this.#table = table
    return table
  }
}

/** Same version and same member ids (the version is only a 32-bit digest of the ids). */
function samePlain(a: { version: unknown; ids: unknown }, b: { version: unknown; ids: unknown }): boolean {
  if (a.version !== b.version || !Array.isArray(a.ids) || !Array.isArray(b.ids)) return false
  if (a.ids.length !== b.ids.length) return false
  for (let i = 0; i < a.ids.length; i++) if (a.ids[i] !== b.ids[i]) return false
  return true
}
