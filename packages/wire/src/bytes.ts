/**
 * A `Uint8Array` of `n` bytes over its own ArrayBuffer (exactly `n` bytes, transferable), NOT
 * zero-filled. Only for outputs the caller overwrites completely before anyone can read them: a
 * decoded snappy block (checked to fill its declared length, else discarded) or a request built from
 * byte ranges. Zero-filling half a megabyte costs about as much as copying it, on every push.
 */
export function uninitializedBytes(n: number): Uint8Array<ArrayBuffer> {
  const b = Buffer.allocUnsafeSlow(n)
  return new Uint8Array(b.buffer, b.byteOffset, n)
}
