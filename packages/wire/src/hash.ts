import type { Label } from '@sluice/contracts'
import { utf8Length, writeUtf8 } from './utf8.ts'

/**
 * The series hash of Sluice: 64 bits over the byte stream `name 0xFF value 0xFF` for each label in
 * order (0xFF never occurs in UTF-8, so the stream determines the label set). Every node must compute
 * the same value for the same series, so the function is fixed: changing it moves every series to a
 * new owner.
 *
 * Why not xxhash64: JavaScript has no 64-bit integer multiply outside BigInt, and emulating one with
 * 16-bit limbs costs several times more than two 32-bit lanes. So the hash runs two independent
 * 32-bit lanes over 4-byte little-endian words with `Math.imul`: lane A is MurmurHash3's x86_32 block
 * step, lane B is xxHash32's round; the partial tail word and the total length are folded into both,
 * each lane gets MurmurHash3's finaliser, and the lanes are cross-added so every output bit depends
 * on both. Lane A is the high word, lane B the low word.
 *
 * The running state is module-level (no allocation per series): hashing is synchronous and never
 * re-entered.
 */

let laneA = 0
let laneB = 0
/** Bytes not yet forming a full word, little-endian, and how many bits of it are filled (0, 8, 16, 24). */
let partial = 0
let partialBits = 0
let totalBytes = 0
/** Result of the last {@link hashFinish}. */
export let hashHi = 0
export let hashLo = 0

const SEED_A = 0x9747b28c
const SEED_B = 0x165667b1

function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** Starts a new hash. */
export function hashReset(): void {
  laneA = SEED_A
  laneB = SEED_B
  partial = 0
  partialBits = 0
  totalBytes = 0
}

/**
 * Feeds one label: `buf[nameStart, nameEnd)`, 0xFF, `buf[valueStart, valueEnd)`, 0xFF. Returns the
 * OR of the name and value bytes (as words): bit 7 of each byte clear means both are ASCII, which
 * lets the splitter skip UTF-8 validation for free.
 *
 * The state is loaded into locals once per label and stored back once, so the word loop touches
 * no module-level binding.
 */
export function hashLabel(
  buf: Uint8Array,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
): number {
  let a = laneA
  let b = laneB
  let w = partial
  let bits = partialBits
  let seen = 0
  for (let seg = 0; seg < 2; seg++) {
    let i = seg === 0 ? nameStart : valueStart
    const end = seg === 0 ? nameEnd : valueEnd
    // Pass 1: complete a word left partial by what came before; pass 2: whole words; pass 3: the
    // tail, then the 0xFF separator, both into the partial word.
    for (;;) {
      let k = 0
      if (bits !== 0) {
        if (i < end) {
          const c = buf[i++]!
          seen |= c
          w |= c << bits
          bits = (bits + 8) & 31
          if (bits !== 0) continue
          k = w
          w = 0
        } else break
      } else if (end - i >= 4) {
        k = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)
        seen |= k
        i += 4
      } else {
        while (i < end) {
          const c = buf[i++]!
          seen |= c
          w |= c << bits
          bits += 8
        }
        break
      }
      // Lane A: MurmurHash3 x86_32 block step.
      let m = Math.imul(k, 0xcc9e2d51)
      m = (m << 15) | (m >>> 17)
      a ^= Math.imul(m, 0x1b873593)
      a = (a << 13) | (a >>> 19)
      a = (Math.imul(a, 5) + 0xe6546b64) | 0
      // Lane B: xxHash32 round.
      b = (b + Math.imul(k, 0x85ebca77)) | 0
      b = (b << 13) | (b >>> 19)
      b = Math.imul(b, 0x9e3779b1)
    }
    // The separator.
    w |= 0xff << bits
    bits = (bits + 8) & 31
    if (bits === 0) {
      let m = Math.imul(w, 0xcc9e2d51)
      m = (m << 15) | (m >>> 17)
      a ^= Math.imul(m, 0x1b873593)
      a = (a << 13) | (a >>> 19)
      a = (Math.imul(a, 5) + 0xe6546b64) | 0
      b = (b + Math.imul(w, 0x85ebca77)) | 0
      b = (b << 13) | (b >>> 19)
      b = Math.imul(b, 0x9e3779b1)
      w = 0
    }
  }
  laneA = a
  laneB = b
  partial = w
  partialBits = bits
  totalBytes += nameEnd - nameStart + valueEnd - valueStart + 2
  return seen
}

/** Ends the hash; the result is in {@link hashHi} and {@link hashLo}. */
export function hashFinish(): void {
  let a = laneA
  let b = laneB
  if (partialBits !== 0) {
    let k = Math.imul(partial, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    a ^= Math.imul(k, 0x1b873593)
    b = Math.imul((b + Math.imul(partial, 0x27d4eb2f)) | 0, 0x165667b1)
  }
  a = fmix(a ^ totalBytes)
  b = fmix(b ^ totalBytes ^ 0x5bd1e995)
  a = (a + b) | 0
  b = (b + a) | 0
  hashHi = a >>> 0
  hashLo = b >>> 0
}

let scratch = new Uint8Array(256)

/** Ensures the scratch buffer can hold `s` as UTF-8 after `used` bytes. */
function reserve(used: number, s: string): void {
  // Three bytes per UTF-16 unit bound the UTF-8 length, so the exact length is only computed for long strings.
  if (used + s.length * 3 > scratch.length) {
    const need = used + utf8Length(s)
    if (need > scratch.length) {
      const next = new Uint8Array(Math.max(need, scratch.length * 2))
      next.set(scratch.subarray(0, used))
      scratch = next
    }
  }
}

/**
 * The 64-bit series hash of a label set, as `(hi << 32) | lo`. Identical to what the remote-write
 * splitter computes from the wire bytes of the same labels in the same order.
 */
export function hashLabels(labels: readonly Label[]): bigint {
  hashLabelsInto(labels)
  return (BigInt(hashHi) << 32n) | BigInt(hashLo)
}

/** Like {@link hashLabels} but leaves the result in {@link hashHi}/{@link hashLo} without allocating. */
export function hashLabelsInto(labels: readonly Label[]): void {
  hashReset()
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    reserve(0, l.name)
    const n = writeUtf8(l.name, scratch, 0)
    reserve(n, l.value)
    const v = writeUtf8(l.value, scratch, n)
    hashLabel(scratch, 0, n, n, v)
  }
  hashFinish()
}
