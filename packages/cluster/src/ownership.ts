import { hashLabels } from '@sluice/wire'
import { OwnershipSnapshotError } from './errors.ts'
import { foldKey, hashString64, mix32 } from './hash.ts'

/** What a worker needs to know about an owner: who it is and where to forward its keys. */
export interface Owner {
  readonly id: string
  readonly name: string
  readonly dataUrl: string
}

/** The structured-clone-able form of an {@link OwnershipTable}, for `postMessage` to worker threads. */
export interface OwnershipTablePlain {
  version: number
  ids: string[]
  names: string[]
  dataUrls: string[]
}

const scratch = new Uint32Array(2)

function hash32(text: string): number {
  hashString64(text, scratch)
  return foldKey(scratch[0]!, scratch[1]!)
}

/**
 * Who owns a key, for one set of ready members: rendezvous (highest random weight) hashing. Each
 * member has a 32-bit seed from its id; a key's owner is the member whose `mix32(key ^ seed)` is
 * highest, the lowest index (members are sorted by id) winning a tie. Rendezvous was chosen over a
 * token ring (Alloy's 512 tokens per node) after measuring both (bench/ownership.bench.ts, numbers in
 * docs/cluster.md): over 100k series it balances within 0.2-3 % where the ring is off by 2-10 %, it
 * moves exactly the keys it must (a key changes owner only when a joining member outbids its owner or
 * its owner leaves), and for up to ~30 members a lookup (one multiply-xorshift mix per member) costs
 * less than the ring's binary search over N*512 tokens.
 *
 * The table is immutable and identical on every node that sees the same ready set, so `version`
 * (a hash of the member ids) identifies its content.
 */
export class OwnershipTable {
  readonly members: readonly Owner[]
  readonly version: number
  readonly #seeds: Uint32Array
  readonly #indexById: Map<string, number>

  /** Builds the table over `members` (any order, ids unique); they are sorted by id. */
  constructor(members: readonly Owner[]) {
    const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    this.members = Object.freeze(
      sorted.map((m) => Object.freeze({ id: m.id, name: m.name, dataUrl: m.dataUrl })),
    )
    this.#seeds = new Uint32Array(sorted.length)
    this.#indexById = new Map()
    for (let i = 0; i < sorted.length; i++) {
      const id = sorted[i]!.id
      if (this.#indexById.has(id)) throw new OwnershipSnapshotError(`duplicate member id ${id}`)
      this.#indexById.set(id, i)
      this.#seeds[i] = hash32(id)
    }
    this.version = hash32(sorted.map((m) => m.id).join('\n'))
  }

  /**
   * Index in {@link members} of the owner of a key whose 64-bit hash is `hashHi:hashLo` (unsigned
   * 32-bit halves), or -1 when there is no ready member. Allocation-free: it runs once per series.
   */
  ownerIndexOfHash(hashHi: number, hashLo: number): number {
    const seeds = this.#seeds
    const n = seeds.length
    if (n === 0) return -1
    const k = foldKey(hashHi, hashLo)
    let best = 0
    let bestScore = mix32(k ^ seeds[0]!)
    for (let i = 1; i < n; i++) {
      const score = mix32(k ^ seeds[i]!)
      if (score > bestScore) {
        best = i
        bestScore = score
      }
    }
    return best
  }

  /**
   * Index of the owner of a string key (a scrape target's identity, say), hashed with the series hash
   * of `@sluice/wire`: `hashLabels([{ name: '', value: key }])`, so any component can reproduce it.
   */
  ownerOfKey(key: string): number {
    const h = hashLabels([{ name: '', value: key }])
    return this.ownerIndexOfHash(Number(h >> 32n), Number(h & 0xffffffffn))
  }

  /** Index of the member with this id, or -1 when it is not an owner in this table. */
  indexOf(id: string): number {
    return this.#indexById.get(id) ?? -1
  }

  toPlain(): OwnershipTablePlain {
    return {
      version: this.version,
      ids: this.members.map((m) => m.id),
      names: this.members.map((m) => m.name),
      dataUrls: this.members.map((m) => m.dataUrl),
    }
  }

  /** Rebuilds a table from {@link toPlain}'s output (after a structured clone, typically). */
  static from(plain: unknown): OwnershipTable {
    if (typeof plain !== 'object' || plain === null) throw new OwnershipSnapshotError('not an object')
    const { version, ids, names, dataUrls } = plain as Record<string, unknown>
    if (!isStrings(ids) || !isStrings(names) || !isStrings(dataUrls)) {
      throw new OwnershipSnapshotError('ids, names and dataUrls must be arrays of strings')
    }
    if (names.length !== ids.length || dataUrls.length !== ids.length) {
      throw new OwnershipSnapshotError('ids, names and dataUrls differ in length')
    }
    const table = new OwnershipTable(ids.map((id, i) => ({ id, name: names[i]!, dataUrl: dataUrls[i]! })))
    if (table.version !== version) {
      throw new OwnershipSnapshotError(
        `version ${String(version)} does not match its members (${table.version})`,
      )
    }
    return table
  }
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}
