/**
 * Byte-level helpers for the `labels = 1` fields of a TimeSeries, so that a series whose relabel
 * result is known can be re-emitted without decoding or encoding a single string.
 */

/** Start of the label fields found by {@link labelRegion}; its end is the return value. */
export let labelsStart = 0

/**
 * Finds the label fields of the TimeSeries field `buf[start, end)` (a validated range from the
 * splitter). Returns the end of the label fields, with their start in {@link labelsStart}, when they
 * all come first, as every Prometheus encoder writes them; returns -1 when a label field follows
 * another field, so that the caller takes the general path.
 */
export function labelRegion(buf: Uint8Array, start: number, end: number): number {
  // The splitter checked the structure: tags and lengths here are well-formed.
  let pos = skipVarint(buf, start + 1)
  labelsStart = pos
  while (pos < end && buf[pos] === 0x0a) pos = skipLen(buf, pos + 1)
  const labelsEnd = pos
  while (pos < end) {
    const tag = buf[pos]!
    if (tag === 0x0a) return -1
    if (tag >= 0x80) return -1 // multi-byte tags are unknown fields: rare enough for the general path
    const wt = tag & 7
    pos++
    if (wt === 2) pos = skipLen(buf, pos)
    else if (wt === 0) pos = skipVarint(buf, pos)
    else if (wt === 1) pos += 8
    else if (wt === 5) pos += 4
    else return -1
  }
  return labelsEnd
}

function skipVarint(buf: Uint8Array, pos: number): number {
  while (buf[pos++]! >= 0x80);
  return pos
}

/** Skips a length prefix and its payload. */
function skipLen(buf: Uint8Array, pos: number): number {
  let len = 0
  let mul = 1
  let b: number
  do {
    b = buf[pos++]!
    len += (b & 0x7f) * mul
    mul *= 128
  } while (b >= 0x80)
  return pos + len
}
