import type { Label } from '@sluice/contracts'
import { utf8Length, writeUtf8 } from './utf8.ts'

/**
 * The series hash of Sluice: 64 bits over the labels in order. Every node must compute the same value
 * for the same series, so the function is fixed: changing it moves every series to a new owner.
 *
 * The input is each label's name, then its value, each as a *segment*: its UTF-8 bytes followed by
 * one 0xFF byte, zero-padded to a multiple of 4 bytes. 0xFF never occurs in UTF-8, so the sequence of
 * segments determines the label set (a name cannot bleed into its value or the next label), and each
 * segment starts on a word boundary, so the hot loop reads whole little-endian 32-bit words and never
 * carries a partial word from one string to the next.
 *
 * Why not xxhash64: JavaScript has no 64-bit integer multiply outside BigInt. The hash runs two
 * independent 32-bit lanes over the words with one `Math.imul` each (lane A: xor, multiply, rotate;
 * lane B: add, multiply, rotate, with other constants), which is what a word costs on the split path.
 * The per-word step is a bijection of the lane state for a fixed word, and of the word for a fixed
 * state, so two inputs that differ in one word differ in both lanes right after it. At the end each
 * lane gets MurmurHash3's finaliser and the lanes are cross-added, so every output bit depends on
 * every input word. Lane A is the high word, lane B the low word. Collisions are harmless for
 * correctness (ownership and WAL shards only need spread; the pipeline's memo compares bytes).
 *
 * The running state is module-level (no allocation per series): hashing is synchronous and never
 * re-entered.
 */

let laneA = 0
let laneB = 0
/** Result of the last {@link hashFinish}. */
export let hashHi = 0
export let hashLo = 0

const SEED_A = 0x9747b28c
const SEED_B = 0x165667b1
const PRIME_A = 0x9e3779b1
const PRIME_B = 0x85ebca77

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
}

/**
 * A little-endian view of the buffer last hashed from: a split hashes every label of one buffer in a
 * row, so the view is made once per buffer, not per label.
 */
let viewOf: Uint8Array | null = null
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0))

/**
 * Feeds one label: the segments `buf[nameStart, nameEnd)` and `buf[valueStart, valueEnd)`. Returns
 * the OR of the name and value bytes (as words): bit 7 of each byte clear means both are ASCII, which
 * lets the splitter skip UTF-8 validation for free.
 *
 * The lanes are loaded into locals once per label and stored back once, so the word loop touches no
 * module-level binding.
 */
export function hashLabel(
  buf: Uint8Array,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
): number {
  if (buf !== viewOf) {
    viewOf = buf
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }
  const dv = view
  let a = laneA
  let b = laneB
  let seen = 0
  for (let seg = 0; seg < 2; seg++) {
    let i = seg === 0 ? nameStart : valueStart
    const end = seg === 0 ? nameEnd : valueEnd
    for (const stop = end - 3; i < stop; i += 4) {
      // One unaligned 32-bit load (TurboFan compiles a DataView read to it) instead of four byte loads.
      const k = dv.getInt32(i, true)
      seen |= k
      a = Math.imul(a ^ k, PRIME_A)
      a = (a << 15) | (a >>> 17)
      b = Math.imul((b + k) | 0, PRIME_B)
      b = (b << 13) | (b >>> 19)
    }
    // The last word: the 0 to 3 bytes left, the 0xFF terminator above them, zeros above that.
    let k = 0xff
    for (let j = end - 1; j >= i; j--) {
      const c = buf[j]!
      seen |= c
      k = (k << 8) | c
    }
    a = Math.imul(a ^ k, PRIME_A)
    a = (a << 15) | (a >>> 17)
    b = Math.imul((b + k) | 0, PRIME_B)
    b = (b << 13) | (b >>> 19)
  }
  laneA = a
  laneB = b
  return seen
}

/** Ends the hash; the result is in {@link hashHi} and {@link hashLo}. */
export function hashFinish(): void {
  let a = fmix(laneA)
  let b = fmix(laneB ^ 0x5bd1e995)
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
