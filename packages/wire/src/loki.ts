import { type Label, sortLabels } from '@sluice/contracts'
import { DecodeError } from './errors.ts'
import { formatLabelSet, parseLabelSet } from './labelset.ts'
import { decodeWith, encodeWith, PushRequestType } from './schemas.ts'

/**
 * Loki push, in both forms `loki.source.api` accepts: the protobuf `logproto.PushRequest` (usually
 * snappy-compressed) and the JSON body `{"streams":[{"stream":{...},"values":[["<ns>","line",{meta}]]}]}`.
 * Both decode to the same objects. Stream labels come out sorted by name; structured metadata keeps
 * the order sent.
 */

export interface LokiEntry {
  /** Nanoseconds since the epoch (exceeds 2^53, hence bigint). */
  timestampNs: bigint
  line: string
  structuredMetadata: Label[]
}

export interface LokiStream {
  labels: Label[]
  entries: LokiEntry[]
}

export interface LokiPushRequest {
  streams: LokiStream[]
}

const NS_PER_S = 1_000_000_000n

type PbEntry = {
  timestamp: { seconds: number; nanos: number } | null
  line: string
  structuredMetadata: Label[]
}
type PbPush = { streams: Array<{ labels: string; entries: PbEntry[] }> }

/**
 * Decodes an uncompressed protobuf PushRequest.
 *
 * @throws DecodeError (400) on malformed protobuf or a malformed stream label string.
 */
export function decodeLokiPush(bytes: Uint8Array): LokiPushRequest {
  const pb = decodeWith(PushRequestType, bytes, 'Loki PushRequest') as unknown as PbPush
  return {
    streams: pb.streams.map((s) => ({
      labels: parseLabelSet(s.labels),
      entries: s.entries.map((e) => ({
        timestampNs:
          e.timestamp === null ? 0n : BigInt(e.timestamp.seconds) * NS_PER_S + BigInt(e.timestamp.nanos),
        line: e.line,
        structuredMetadata: e.structuredMetadata.map((m) => ({ name: m.name, value: m.value })),
      })),
    })),
  }
}

/** Splits nanoseconds into a protobuf Timestamp (nanos always in [0, 1e9), as the well-known type requires). */
function toTimestamp(ns: bigint): { seconds: number; nanos: number } {
  let seconds = ns / NS_PER_S
  let nanos = ns % NS_PER_S
  if (nanos < 0n) {
    nanos += NS_PER_S
    seconds -= 1n
  }
  return { seconds: Number(seconds), nanos: Number(nanos) }
}

/** Encodes a PushRequest as protobuf (uncompressed). */
export function encodeLokiPush(req: LokiPushRequest): Uint8Array {
  return encodeWith(PushRequestType, {
    streams: req.streams.map((s) => ({
      labels: formatLabelSet(s.labels),
      entries: s.entries.map((e) => ({
        timestamp: toTimestamp(e.timestampNs),
        line: e.line,
        structuredMetadata: e.structuredMetadata,
      })),
    })),
  })
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const NS_PATTERN = /^-?[0-9]{1,19}$/

function isStringRecord(v: unknown): v is Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  for (const x of Object.values(v)) if (typeof x !== 'string') return false
  return true
}

function toLabels(rec: Record<string, string>): Label[] {
  return Object.entries(rec).map(([name, value]) => ({ name, value }))
}

/**
 * Decodes the JSON push body (bytes are checked to be UTF-8).
 *
 * @throws DecodeError (400) when the body is not JSON of the documented shape.
 */
export function decodeLokiJson(body: string | Uint8Array): LokiPushRequest {
  let text: string
  let doc: unknown
  try {
    text = typeof body === 'string' ? body : utf8.decode(body)
    doc = JSON.parse(text)
  } catch (err) {
    throw new DecodeError(`Loki push body is not JSON: ${(err as Error).message}`, { cause: err })
  }
  const streams = (doc as { streams?: unknown } | null)?.streams
  if (!Array.isArray(streams)) throw new DecodeError('Loki push JSON has no "streams" array')
  return {
    streams: streams.map((s: unknown, i) => {
      const { stream, values } = (s ?? {}) as { stream?: unknown; values?: unknown }
      if (!isStringRecord(stream)) throw new DecodeError(`streams[${i}].stream is not an object of strings`)
      if (!Array.isArray(values)) throw new DecodeError(`streams[${i}].values is not an array`)
      const labels = sortLabels(toLabels(stream))
      return { labels, entries: values.map((v: unknown, j) => jsonEntry(v, `streams[${i}].values[${j}]`)) }
    }),
  }
}

function jsonEntry(v: unknown, where: string): LokiEntry {
  if (!Array.isArray(v) || v.length < 2 || v.length > 3) {
    throw new DecodeError(`${where} is not ["<ns>", "line"] or ["<ns>", "line", {metadata}]`)
  }
  const [ts, line, meta] = v as [unknown, unknown, unknown]
  if (typeof ts !== 'string' || !NS_PATTERN.test(ts))
    throw new DecodeError(`${where}[0] is not a nanosecond string`)
  if (typeof line !== 'string') throw new DecodeError(`${where}[1] is not a string`)
  if (meta !== undefined && !isStringRecord(meta)) {
    throw new DecodeError(`${where}[2] is not an object of strings`)
  }
  return { timestampNs: BigInt(ts), line, structuredMetadata: meta === undefined ? [] : toLabels(meta) }
}

/** Encodes a push request as the JSON body; the metadata object is written only when not empty. */
export function encodeLokiJson(req: LokiPushRequest): string {
  return JSON.stringify({
    streams: req.streams.map((s) => ({
      stream: Object.fromEntries(s.labels.map((l) => [l.name, l.value])),
      values: s.entries.map((e) => {
        const row: unknown[] = [e.timestampNs.toString(), e.line]
        if (e.structuredMetadata.length > 0) {
          row.push(Object.fromEntries(e.structuredMetadata.map((m) => [m.name, m.value])))
        }
        return row
      }),
    })),
  })
}
