/**
 * Rendezvous hashing (what OwnershipTable does) against a token ring (what Alloy's ckit does: 512
 * tokens per node), on the three things that matter for Sluice: balance (max/mean keys per owner),
 * movement when a member joins or leaves (ideal: 1/N of the keys, and only those), and the cost of
 * one lookup. Run: `node packages/cluster/bench/ownership.bench.ts`.
 */
import { hashLabels } from '@sluice/wire'
import { foldKey, hashString64 } from '../src/hash.ts'
import { OwnershipTable } from '../src/ownership.ts'

const KEYS = 100_000
const TOKENS_PER_NODE = 512

interface Scheme {
  name: string
  build(ids: string[]): (hi: number, lo: number) => string
}

const rendezvous: Scheme = {
  name: 'rendezvous',
  build(ids) {
    const table = new OwnershipTable(ids.map((id) => ({ id, name: id, dataUrl: '' })))
    return (hi, lo) => table.members[table.ownerIndexOfHash(hi, lo)]!.id
  },
}

/** A ring of 32-bit tokens, each node owning the arc that ends at each of its tokens. */
function buildRing(ids: string[]): (hi: number, lo: number) => number {
  const out = new Uint32Array(2)
  const entries: { token: number; owner: number }[] = []
  ids.forEach((id, owner) => {
    for (let t = 0; t < TOKENS_PER_NODE; t++) {
      hashString64(`${id}/${t}`, out)
      entries.push({ token: foldKey(out[0]!, out[1]!), owner })
    }
  })
  entries.sort((a, b) => a.token - b.token || a.owner - b.owner)
  const tokens = Uint32Array.from(entries, (e) => e.token)
  const owners = Uint16Array.from(entries, (e) => e.owner)
  return (hi, lo) => {
    const k = foldKey(hi, lo)
    let a = 0
    let b = tokens.length
    while (a < b) {
      const m = (a + b) >>> 1
      if (tokens[m]! < k) a = m + 1
      else b = m
    }
    return owners[a === tokens.length ? 0 : a]!
  }
}

const ring: Scheme = {
  name: `ring(${TOKENS_PER_NODE})`,
  build(ids) {
    const lookup = buildRing(ids)
    return (hi, lo) => ids[lookup(hi, lo)]!
  },
}

function nodeIds(n: number, salt: string): string[] {
  const out = new Uint32Array(2)
  return Array.from({ length: n }, (_, i) => {
    hashString64(`${salt}-${i}`, out)
    return `12D3KooW${out[0]!.toString(36)}${out[1]!.toString(36)}`
  })
}

/** Series hashes as the ingest path computes them (@sluice/wire's hashLabels) for 100k realistic series. */
const keyHashes = new Uint32Array(KEYS * 2)
for (let i = 0; i < KEYS; i++) {
  const h = hashLabels([
    { name: '__name__', value: 'http_requests_total' },
    { name: 'instance', value: `10.0.${i >> 8}.${i & 255}:9100` },
    { name: 'job', value: 'node' },
  ])
  keyHashes[2 * i] = Number(h >> 32n)
  keyHashes[2 * i + 1] = Number(h & 0xffffffffn)
}

function assign(lookup: (hi: number, lo: number) => string): string[] {
  const owners = new Array<string>(KEYS)
  for (let i = 0; i < KEYS; i++) owners[i] = lookup(keyHashes[2 * i]!, keyHashes[2 * i + 1]!)
  return owners
}

function balance(owners: string[], n: number): number {
  const counts = new Map<string, number>()
  for (const o of owners) counts.set(o, (counts.get(o) ?? 0) + 1)
  return Math.max(...counts.values()) / (KEYS / n)
}

/** Fraction of keys whose owner differs, and whether every moved key went to `to` / came from `from`. */
function moved(before: string[], after: string[], check: (b: string, a: string) => boolean) {
  let count = 0
  let clean = true
  for (let i = 0; i < KEYS; i++) {
    if (before[i] !== after[i]) {
      count++
      if (!check(before[i]!, after[i]!)) clean = false
    }
  }
  return { fraction: count / KEYS, clean }
}

const ROUNDS = 20

/** Each scheme gets its own timing loop with a direct call, so neither pays for a polymorphic call site. */
function nsRendezvous(ids: string[]): number {
  const table = new OwnershipTable(ids.map((id) => ({ id, name: id, dataUrl: '' })))
  let sink = 0
  const start = process.hrtime.bigint()
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < KEYS; i++) sink += table.ownerIndexOfHash(keyHashes[2 * i]!, keyHashes[2 * i + 1]!)
  }
  const ns = Number(process.hrtime.bigint() - start) / (ROUNDS * KEYS)
  return sink < 0 ? -1 : ns
}

function nsRing(ids: string[]): number {
  const lookup = buildRing(ids)
  let sink = 0
  const start = process.hrtime.bigint()
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < KEYS; i++) sink += lookup(keyHashes[2 * i]!, keyHashes[2 * i + 1]!)
  }
  const ns = Number(process.hrtime.bigint() - start) / (ROUNDS * KEYS)
  return sink < 0 ? -1 : ns
}

console.log(`${KEYS} keys; balance = max/mean keys per member; move = fraction of keys changing owner`)
console.log(
  'scheme        N  balance  join-move (ideal)  join-only-to-new  leave-move (ideal)  leave-only-from-gone  ns/lookup',
)
for (const scheme of [rendezvous, ring]) {
  for (const n of [3, 5, 10, 30]) {
    const ids = nodeIds(n, 'node')
    const base = assign(scheme.build(ids))
    const newcomer = nodeIds(1, `new-${n}`)[0]!
    const joined = assign(scheme.build([...ids, newcomer]))
    const gone = ids[n >> 1]!
    const left = assign(scheme.build(ids.filter((id) => id !== gone)))
    const join = moved(base, joined, (_b, a) => a === newcomer)
    const leave = moved(base, left, (b) => b === gone)
    const ns = scheme === rendezvous ? nsRendezvous(ids) : nsRing(ids)
    console.log(
      [
        scheme.name.padEnd(12),
        String(n).padStart(3),
        balance(base, n).toFixed(3).padStart(8),
        `${join.fraction.toFixed(4)} (${(1 / (n + 1)).toFixed(4)})`.padStart(18),
        String(join.clean).padStart(17),
        `${leave.fraction.toFixed(4)} (${(1 / n).toFixed(4)})`.padStart(19),
        String(leave.clean).padStart(21),
        ns.toFixed(1).padStart(10),
      ].join(' '),
    )
  }
}
