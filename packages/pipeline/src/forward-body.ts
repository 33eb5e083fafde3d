import { ForwardBodyError } from './errors.ts'
import { PushOutput } from './result.ts'

/** The framing version a forward body starts with; a body of another version is refused (400). */
export const FORWARD_BODY_VERSION = 1

/** Bytes of a part's fixed fields after the sink id: shard, shards, series, samples, payload length. */
const FIXED = 20

/**
 * One WAL record forwarded to the member that owns its series: what the owner's sink `sinkId` would
 * have appended to WAL shard `shard` had it run the plan itself. The owner takes it only when its sink
 * has `shards` shards: otherwise one series could land on two of its shards and lose its order.
 */
export class ForwardPart extends PushOutput {}

const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Frames parts into one body: a version byte, then per part `u16 sinkIdLength, sinkId (UTF-8),
 * u32 shard, u32 shards, u32 series, u32 samples, u32 payloadLength, payload`, big-endian. Returns a
 * buffer of its own (it is moved from the worker thread).
 */
export function encodeForwardBody(parts: readonly ForwardPart[]): Uint8Array {
  const ids = parts.map((p) => utf8.encode(p.sinkId))
  let size = 1
  for (let i = 0; i < parts.length; i++) size += 2 + ids[i]!.length + FIXED + parts[i]!.payload.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out[0] = FORWARD_BODY_VERSION
  let pos = 1
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    const id = ids[i]!
    view.setUint16(pos, id.length)
    out.set(id, pos + 2)
    pos += 2 + id.length
    view.setUint32(pos, part.shard)
    view.setUint32(pos + 4, part.shards)
    view.setUint32(pos + 8, part.series)
    view.setUint32(pos + 12, part.samples)
    view.setUint32(pos + 16, part.payload.length)
    out.set(part.payload, pos + FIXED)
    pos += FIXED + part.payload.length
  }
  return out
}

/**
 * Parses a body framed by {@link encodeForwardBody}. Payloads are views into `body`.
 *
 * @throws {@link ForwardBodyError} (400) for another version, a truncated or overlong part, an id that
 *   is not UTF-8, a shard outside its shard count, or a body without parts.
 */
export function decodeForwardBody(body: Uint8Array): ForwardPart[] {
  if (body.length === 0) throw new ForwardBodyError('empty body')
  if (body[0] !== FORWARD_BODY_VERSION)
    throw new ForwardBodyError(`version ${body[0]}, this node reads version ${FORWARD_BODY_VERSION}`)
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const parts: ForwardPart[] = []
  let pos = 1
  while (pos < body.length) {
    if (pos + 2 > body.length)
      throw new ForwardBodyError(`part ${parts.length} truncated in its sink id length`)
    const idEnd = pos + 2 + view.getUint16(pos)
    if (idEnd + FIXED > body.length)
      throw new ForwardBodyError(`part ${parts.length} truncated in its header`)
    let sinkId: string
    try {
      sinkId = strictUtf8.decode(body.subarray(pos + 2, idEnd))
    } catch {
      throw new ForwardBodyError(`part ${parts.length} has a sink id that is not UTF-8`)
    }
    const shard = view.getUint32(idEnd)
    const shards = view.getUint32(idEnd + 4)
    const length = view.getUint32(idEnd + 16)
    const start = idEnd + FIXED
    if (length > body.length - start)
      throw new ForwardBodyError(`part ${parts.length} truncated in its payload`)
    if (shard >= shards) throw new ForwardBodyError(`part ${parts.length} has shard ${shard} of ${shards}`)
    parts.push(
      new ForwardPart(
        sinkId,
        shard,
        shards,
        body.subarray(start, start + length),
        view.getUint32(idEnd + 8),
        view.getUint32(idEnd + 12),
      ),
    )
    pos = start + length
  }
  if (parts.length === 0) throw new ForwardBodyError('no parts')
  return parts
}
