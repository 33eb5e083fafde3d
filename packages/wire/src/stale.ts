/**
 * Prometheus' staleness marker: a NaN with the bit pattern 0x7ff0000000000002. It differs from other
 * NaNs only in its payload, so it is recognised by bits, never by value.
 */
const bits = new Uint32Array(2)
const asFloat = new Float64Array(bits.buffer)
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const HI = LITTLE_ENDIAN ? 1 : 0
const LO = 1 - HI

bits[HI] = 0x7ff00000
bits[LO] = 0x00000002
/** The stale-marker NaN. */
export const STALE_NAN: number = asFloat[0]!

/** True when `v` carries exactly the stale-marker bits. */
export function isStaleNaN(v: number): boolean {
  asFloat[0] = v
  return bits[HI] === 0x7ff00000 && bits[LO] === 0x00000002
}
