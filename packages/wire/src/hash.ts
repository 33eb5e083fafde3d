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
 * re-entered. It lives in typed arrays, not in module-level `let`s: V8 keeps a `let` holding a 32-bit
 * value outside its small-integer range (31 bits) as a heap number, so every store of a lane would
 * allocate (that alone cost the splitter 0.3 to 0.4 ms per 2000-series request).
 */

/** Lane A, lane B. */
const lanes = new Int32Array(2)
/** Result of the last {@link hashFinish}: {@link HI} is the upper, {@link LO} the lower 32 bits. */
export const hashOut = new Uint32Array(2)
export const HI = 0
export const LO = 1

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
  lanes[0] = SEED_A
  lanes[1] = SEED_B
}

/**
 * Feeds one label: the segments `buf[nameStart, nameEnd)` and `buf[valueStart, valueEnd)`; `dv` is a
 * DataView over exactly `buf` (the caller makes one per buffer, not per label). Returns the OR of the
 * name and value bytes (as words): bit 7 of each byte clear means both are ASCII, which lets the
 * splitter skip UTF-8 validation for free.
 *
 * The lanes are loaded into locals once per label and stored back once, so the word loop touches no
 * module-level binding.
 */
export function hashLabel(
  buf: Uint8Array,
  dv: DataView,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
): number {
  let a = lanes[0]!
  let b = lanes[1]!
  let seen = 0
  let i = nameStart
  let end = nameEnd
  for (let seg = 0; seg < 2; seg++) {
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
    // (A masked 4-byte load instead of this loop measured slower.)
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
    i = valueStart
    end = valueEnd
  }
  lanes[0] = a
  lanes[1] = b
  return seen
}

/**
 * Exchanges the running hash's lanes with `state`: a second hash can run beside the first, swapped in
 * around each of its labels (the splitter's key hash, see key-hash.ts).
 */
export function swapLanes(state: Int32Array): void {
  const a = lanes[0]!
  const b = lanes[1]!
  lanes[0] = state[0]!
  lanes[1] = state[1]!
  state[0] = a
  state[1] = b
}

/** Ends the hash; the result is in {@link hashOut}. */
export function hashFinish(): void {
  let a = fmix(lanes[0]!)
  let b = fmix(lanes[1]! ^ 0x5bd1e995)
  a = (a + b) | 0
  b = (b + a) | 0
  hashOut[HI] = a
  hashOut[LO] = b
}

let scratch = new Uint8Array(256)
let scratchView = new DataView(scratch.buffer)

/** Ensures the scratch buffer can hold `s` as UTF-8 after `used` bytes. */
function reserve(used: number, s: string): void {
  // Three bytes per UTF-16 unit bound the UTF-8 length, so the exact length is only computed for long strings.
  if (used + s.length * 3 > scratch.length) {
    const need = used + utf8Length(s)
    if (need > scratch.length) {
      const next = new Uint8Array(Math.max(need, scratch.length * 2))
      next.set(scratch.subarray(0, used))
      scratch = next
      scratchView = new DataView(scratch.buffer)
    }
  }
}

/**
 * The 64-bit series hash of a label set, as `(hi << 32) | lo`. Identical to what the remote-write
 * splitter computes from the wire bytes of the same labels in the same order.
 */
export function hashLabels(labels: readonly Label[]): bigint {
  hashLabelsInto(labels)
  return (BigInt(hashOut[HI]!) << 32n) | BigInt(hashOut[LO]!)
}

/** Like {@link hashLabels} but leaves the result in {@link hashOut} without allocating. */
export function hashLabelsInto(labels: readonly Label[]): void {
  hashReset()
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    reserve(0, l.name)
    const n = writeUtf8(l.name, scratch, 0)
    reserve(n, l.value)
    const v = writeUtf8(l.value, scratch, n)
    hashLabel(scratch, scratchView, 0, n, n, v)
  }
  hashFinish()
}
