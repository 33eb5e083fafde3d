import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import fc from 'fast-check'
import { LimitError, SnappyError, snappyDecode, snappyDecodedLength, snappyEncode } from '../src/index.ts'

const snappyjs = createRequire(import.meta.url)('snappyjs') as { uncompress(b: Uint8Array): Uint8Array }

/** Inputs with repetition, so that compressed blocks use copies (overlapping ones too), not only literals. */
const compressible = fc
  .array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 50 })), {
    maxLength: 30,
  })
  .map((runs) => {
    const parts: number[] = []
    for (const [bytes, times] of runs) for (let i = 0; i < times; i++) parts.push(...bytes)
    return Uint8Array.from(parts)
  })

test('snappy decode inverts encode for arbitrary and repetitive inputs', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), compressible), (raw) => {
      const block = snappyEncode(raw)
      assert.deepEqual(snappyDecode(block), raw)
      assert.equal(snappyDecodedLength(block), raw.length)
    }),
    { numRuns: 300 },
  )
})

test('snappy decode agrees with the snappyjs reference decoder', () => {
  fc.assert(
    fc.property(compressible, (raw) => {
      const block = snappyEncode(raw)
      assert.deepEqual(snappyDecode(block), new Uint8Array(snappyjs.uncompress(block)))
    }),
    { numRuns: 100 },
  )
})

test('a declared length over the cap is refused from the header, before allocating', () => {
  // 4 GiB - 1 declared: allocating it would throw a RangeError, not the typed 413.
  const block = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])
  assert.throws(
    () => snappyDecode(block, 1024),
    (e: unknown) => e instanceof LimitError && e.status === 413 && e.code === 'SLUICE_ERR_DECODED_TOO_LARGE',
  )
  const ok = snappyEncode(new Uint8Array(2048))
  assert.throws(() => snappyDecode(ok, 2047), LimitError)
  assert.equal(snappyDecode(ok, 2048).length, 2048)
})

test('every truncation of a valid block is a SnappyError', () => {
  const raw = new TextEncoder().encode('abcabcabcabc hello hello hello world '.repeat(20))
  const block = snappyEncode(raw)
  for (let cut = 0; cut < block.length; cut++) {
    assert.throws(
      () => snappyDecode(block.subarray(0, cut)),
      (e: unknown) => e instanceof SnappyError && e.status === 400 && e.code === 'SLUICE_ERR_SNAPPY',
      `cut at ${cut}`,
    )
  }
})

test('random bytes either decode or fail with a typed error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        snappyDecode(bytes, 1 << 16)
      } catch (e) {
        assert.ok(e instanceof SnappyError || e instanceof LimitError, String(e))
      }
    }),
    { numRuns: 2000 },
  )
})

/** Deterministic incompressible bytes (xorshift), so that the test input does not depend on a seed. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

test('encoded blocks decode with the snappyjs reference decoder past 64 KiB offsets and long literals', () => {
  // A 100 KB literal run (4-byte literal lengths), then chunks repeated from 65 535, 65 536 and
  // 70 000 bytes back: only the first is reachable by a 2-byte offset.
  const head = noise(100_000, 7)
  const raw = new Uint8Array(head.length + 3 * 64)
  raw.set(head)
  const end = head.length
  raw.set(head.subarray(end - 65_535, end - 65_535 + 64), end)
  raw.set(head.subarray(end + 64 - 65_536, end + 64 - 65_536 + 64), end + 64)
  raw.set(head.subarray(end + 128 - 70_000, end + 128 - 70_000 + 64), end + 128)
  const block = snappyEncode(raw)
  assert.deepEqual(new Uint8Array(snappyjs.uncompress(block)), raw)
  assert.deepEqual(snappyDecode(block), raw)
})

test('the encoder finds repeats: a repetitive body shrinks at least tenfold', () => {
  const line = new TextEncoder().encode(
    '__name__\u0000http_requests_total\u0000instance\u000010.0.0.1:9100\u0000',
  )
  const raw = new Uint8Array(line.length * 2000)
  for (let i = 0; i < 2000; i++) raw.set(line, i * line.length)
  const block = snappyEncode(raw)
  assert.ok(block.length * 10 < raw.length, `${raw.length} -> ${block.length} bytes`)
  assert.deepEqual(snappyDecode(block), raw)
})

test('short inputs (below the 4-byte lookahead) encode as one literal', () => {
  for (let n = 0; n < 20; n++) {
    const raw = noise(n, n + 1)
    assert.deepEqual(new Uint8Array(snappyjs.uncompress(snappyEncode(raw))), raw)
  }
})

test('back-references copied 16 bytes at a time leave no stray bytes behind (literal after a short copy)', () => {
  const lit = (bytes: number[]) => [(bytes.length - 1) << 2, ...bytes]
  // copy-1: length 4..11, offset < 2048.
  const copy1 = (len: number, offset: number) => [1 | ((len - 4) << 2) | ((offset >>> 8) << 5), offset & 0xff]
  const head = Array.from({ length: 16 }, (_, i) => 0x41 + i)
  const ops = [...lit(head), ...copy1(5, 16), ...lit([0x78, 0x79]), ...copy1(9, 12), ...copy1(4, 8)]
  const outLen = 16 + 5 + 2 + 9 + 4
  const block = Uint8Array.from([outLen, ...ops])
  const want = new Uint8Array(snappyjs.uncompress(block))
  assert.equal(want.length, outLen)
  assert.deepEqual(snappyDecode(block), want)
})

/** A snappy block from raw ops: literals and copies with 1- or 2-byte offsets, as any encoder may emit them. */
type Op = { lit: number[] } | { len: number; offset: number }

function block(ops: Op[]): Uint8Array {
  let outLen = 0
  const bytes: number[] = []
  for (const op of ops) {
    if ('lit' in op) {
      bytes.push((op.lit.length - 1) << 2, ...op.lit)
      outLen += op.lit.length
    } else {
      if (op.len <= 11 && op.offset < 2048) {
        bytes.push(1 | ((op.len - 4) << 2) | ((op.offset >>> 8) << 5), op.offset & 0xff)
      } else bytes.push(2 | ((op.len - 1) << 2), op.offset & 0xff, op.offset >>> 8)
      outLen += op.len
    }
  }
  const header: number[] = []
  for (let v = outLen; ; v = Math.floor(v / 128)) {
    if (v < 0x80) {
      header.push(v)
      break
    }
    header.push((v & 0x7f) | 0x80)
  }
  return Uint8Array.from([...header, ...bytes])
}

/**
 * Valid op sequences: a literal first, then literals and copies whose offset reaches back at most to
 * the start (offsets 1 to 9 are favoured: they overlap the bytes being written).
 */
const opSequence = fc
  .tuple(
    fc.uint8Array({ minLength: 1, maxLength: 20 }),
    fc.array(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b): Op => ({ lit: [...b] })),
        fc
          .tuple(
            fc.integer({ min: 4, max: 64 }),
            fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 400 })),
          )
          .map(([len, offset]): Op => ({ len, offset })),
      ),
      { maxLength: 40 },
    ),
  )
  .map(([first, rest]) => {
    const ops: Op[] = [{ lit: [...first] }]
    let written = first.length
    for (const op of rest) {
      if ('lit' in op) written += op.lit.length
      else {
        // Clamp the offset to what has been written so far.
        op.offset = Math.min(op.offset, written)
        written += op.len
      }
      ops.push(op)
    }
    return ops
  })

test('every op sequence decodes as the snappyjs reference does: overlapping copies, copies near the end', () => {
  fc.assert(
    fc.property(opSequence, (ops) => {
      const b = block(ops)
      assert.deepEqual(snappyDecode(b), new Uint8Array(snappyjs.uncompress(b)))
    }),
    { numRuns: 1000 },
  )
})

/** The ops of a snappy block: where each copy lands in the output, its length and offset. */
function copies(block: Uint8Array): Array<{ at: number; len: number; offset: number }> {
  let pos = 0
  while (block[pos]! >= 0x80) pos++
  pos++
  let op = 0
  const out: Array<{ at: number; len: number; offset: number }> = []
  while (pos < block.length) {
    const tag = block[pos++]!
    if ((tag & 3) === 0) {
      let len = tag >>> 2
      if (len >= 60) {
        const extra = len - 59
        len = 0
        for (let i = 0; i < extra; i++) len |= block[pos + i]! << (8 * i)
        pos += extra
      }
      pos += len + 1
      op += len + 1
    } else if ((tag & 3) === 1) {
      out.push({ at: op, len: ((tag >>> 2) & 7) + 4, offset: ((tag >>> 5) << 8) | block[pos]! })
      pos++
      op += out.at(-1)!.len
    } else {
      out.push({ at: op, len: (tag >>> 2) + 1, offset: block[pos]! | (block[pos + 1]! << 8) })
      pos += 2
      op += out.at(-1)!.len
    }
  }
  return out
}

test('every match the encoder emits is extended as far as the bytes repeat', () => {
  fc.assert(
    fc.property(compressible, (raw) => {
      const ops = copies(snappyEncode(raw))
      ops.forEach((c, k) => {
        const end = c.at + c.len
        // A copy may stop early only where the next op continues it (long matches are cut into pieces).
        if (end < raw.length && raw[end] === raw[end - c.offset]) {
          const next = ops[k + 1]
          assert.ok(
            next !== undefined && next.at === end && next.offset === c.offset,
            `copy at ${c.at} stops early`,
          )
        }
      })
    }),
    { numRuns: 300 },
  )
})
