/**
 * UTF-8 helpers for label bytes. Label names and values are short and nearly always ASCII, so both
 * validation and decoding take an ASCII fast path and fall back to the full rules only when a byte
 * has its top bit set.
 */

/**
 * True when `buf[start, end)` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF) — the same set `new TextDecoder('utf-8', { fatal: true })` accepts, checked
 * without allocating a string.
 */
export function isValidUtf8(buf: Uint8Array, start: number, end: number): boolean {
  let i = start
  while (i < end) {
    const b = buf[i]!
    if (b < 0x80) {
      i++
      continue
    }
    if (b >= 0xc2 && b <= 0xdf) {
      if (i + 1 >= end || (buf[i + 1]! & 0xc0) !== 0x80) return false
      i += 2
      continue
    }
    if (b >= 0xe0 && b <= 0xef) {
      if (i + 2 >= end) return false
      const b1 = buf[i + 1]!
      // E0 needs A0..BF (no overlongs), ED needs 80..9F (no surrogates).
      const lo = b === 0xe0 ? 0xa0 : 0x80
      const hi = b === 0xed ? 0x9f : 0xbf
      if (b1 < lo || b1 > hi || (buf[i + 2]! & 0xc0) !== 0x80) return false
      i += 3
      continue
    }
    if (b >= 0xf0 && b <= 0xf4) {
      if (i + 3 >= end) return false
      const b1 = buf[i + 1]!
      // F0 needs 90..BF (no overlongs), F4 needs 80..8F (nothing above U+10FFFF).
      const lo = b === 0xf0 ? 0x90 : 0x80
      const hi = b === 0xf4 ? 0x8f : 0xbf
      if (b1 < lo || b1 > hi || (buf[i + 2]! & 0xc0) !== 0x80 || (buf[i + 3]! & 0xc0) !== 0x80) return false
      i += 4
      continue
    }
    return false
  }
  return true
}

// ignoreBOM: a U+FEFF at the start of a label is data (Go keeps it); by default TextDecoder drops it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
/** Up to this many bytes, ASCII is turned into a string directly instead of through a TextDecoder call and a view. */
const SHORT_ASCII = 32

/** Decodes `buf[start, end)`, assumed already validated, to a string. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_ASCII) {
    let s = ''
    for (let i = start; i < end; i++) {
      const b = buf[i]!
      if (b >= 0x80) return decoder.decode(buf.subarray(start, end))
      s += String.fromCharCode(b)
    }
    return s
  }
  return decoder.decode(buf.subarray(start, end))
}

const encoder = new TextEncoder()

/** UTF-8 length of `s` without encoding it (lone surrogates count as U+FFFD, as TextEncoder writes them). */
export function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4
        i++
      } else n += 3
    } else n += 3
  }
  return n
}

/** Writes `s` as UTF-8 at `out[pos]`, which must have room for {@link utf8Length} bytes; returns the new position. */
export function writeUtf8(s: string, out: Uint8Array, pos: number): number {
  const n = s.length
  let i = 0
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) break
    out[pos++] = c
  }
  if (i === n) return pos
  const { written } = encoder.encodeInto(s.slice(i), out.subarray(pos))
  return pos + written
}
