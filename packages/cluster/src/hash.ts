/**
 * Hashing for ownership. Two jobs: turn a member id into a seed the same way on every node (FNV-1a
 * 64 over its UTF-8 bytes, computed in two 32-bit halves because JavaScript has no 64-bit integer
 * multiply outside BigInt), and spread 32-bit words well for the rendezvous scores (`lowbias32`, a
 * two-multiply integer finaliser with low bias). Keys themselves arrive already hashed by
 * `@sluice/wire`'s series hash.
 */

const encoder = new TextEncoder()

/**
 * FNV-1a 64 of the UTF-8 bytes of `key`, written to `out[0]` (high 32 bits) and `out[1]` (low 32 bits).
 * The prime 0x100000001b3 is 2^40 + 0x1b3, so a 64-bit multiply by it is `h * 0x1b3 + (h << 40)`.
 */
export function hashString64(key: string, out: Uint32Array): void {
  const bytes = encoder.encode(key)
  let hi = 0xcbf29ce4
  let lo = 0x84222325
  for (let i = 0; i < bytes.length; i++) {
    lo ^= bytes[i]!
    // lo < 2^32 and 0x1b3 < 2^9: the product is exact in a double, its top bits carry into hi.
    const p = (lo >>> 0) * 0x1b3
    hi = (Math.imul(hi, 0x1b3) + (lo << 8) + Math.floor(p / 0x100000000)) >>> 0
    lo = p >>> 0
  }
  out[0] = hi
  out[1] = lo
}

/** A bijective 32-bit mixer (Wellons' lowbias32): every input bit affects every output bit. */
export function mix32(x: number): number {
  x ^= x >>> 16
  x = Math.imul(x, 0x7feb352d)
  x ^= x >>> 15
  x = Math.imul(x, 0x846ca68b)
  return (x ^ (x >>> 16)) >>> 0
}

/** Folds a 64-bit key hash (two unsigned halves) into one well-mixed 32-bit word. */
export function foldKey(hashHi: number, hashLo: number): number {
  return mix32(hashLo ^ Math.imul(hashHi, 0x9e3779b1))
}
