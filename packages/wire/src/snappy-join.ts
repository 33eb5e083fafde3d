import { uninitializedBytes } from './bytes.ts'
import { SnappyError } from './errors.ts'
import { snappyDecodedLength } from './snappy.ts'

/** The largest length a snappy block header can declare (a uint32). */
const MAX_BLOCK_LENGTH = 0xffffffff

/**
 * Joins snappy blocks into one block that decodes to their decoded bytes concatenated, without
 * decompressing. A block is a varint of its decoded length followed by elements (literals and
 * back-reference copies); a copy's offset counts back from the current output position and an encoder
 * only emits offsets that stay inside the output of its own block, so the elements of several blocks
 * placed one after another under a header declaring the summed length decode exactly as each block
 * does alone. One block is returned as it is; otherwise the result is a fresh, exact-size buffer.
 *
 * Elements are not validated here (the decoder at the other end does); headers are.
 *
 * @throws SnappyError when a block's header is malformed or the summed length exceeds a uint32.
 */
export function snappyJoin(blocks: readonly Uint8Array[]): Uint8Array {
  if (blocks.length === 1) return blocks[0]!
  let decoded = 0
  let elements = 0
  for (const block of blocks) {
    const length = snappyDecodedLength(block)
    if (length < 0) throw new SnappyError('snappy block header is not a valid length')
    decoded += length
    elements += block.length - headerLength(block)
  }
  if (decoded > MAX_BLOCK_LENGTH)
    throw new SnappyError(`joined snappy blocks decode to ${decoded} bytes, more than a block can declare`)
  const out = uninitializedBytes(varintSize(decoded) + elements)
  let pos = 0
  let v = decoded
  for (; v >= 0x80; v = Math.floor(v / 128)) out[pos++] = (v & 0x7f) | 0x80
  out[pos++] = v
  for (const block of blocks) {
    const skip = headerLength(block)
    out.set(block.subarray(skip), pos)
    pos += block.length - skip
  }
  return out
}

/** Bytes of a block's header (already checked to be a valid varint). */
function headerLength(block: Uint8Array): number {
  let i = 0
  while (block[i]! >= 0x80) i++
  return i + 1
}

/** Bytes of the varint encoding of `v` (minimal form, as every snappy encoder writes it). */
function varintSize(v: number): number {
  let n = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}
