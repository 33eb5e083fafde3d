import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'
import { DecodeError } from './errors.ts'

/**
 * The protobufjs types of the object codecs, parsed once at module load from the `.proto` files of
 * this package. Field names become camelCase (`metric_family_name` -> `metricFamilyName`).
 */

function load(file: string): protobuf.Root {
  const text = readFileSync(new URL(`../proto/${file}`, import.meta.url), 'utf8')
  return protobuf.parse(text, { keepCase: false }).root
}

const v1 = load('remote.proto')
const v2 = load('write_v2.proto')
const loki = load('loki_push.proto')

export const WriteRequestType = v1.lookupType('prometheus.WriteRequest')
export const WriteRequestV2Type = v2.lookupType('io.prometheus.write.v2.Request')
export const PushRequestType = loki.lookupType('logproto.PushRequest')

/** Conversion to plain objects: int64 as number, every field present. */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, defaults: true, arrays: true }

/** Decodes with protobufjs, turning its errors (RangeError, plain Error) into a DecodeError. */
export function decodeWith(type: protobuf.Type, bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    return type.toObject(type.decode(bytes), TO_OBJECT)
  } catch (err) {
    throw new DecodeError(`malformed ${what}: ${(err as Error).message}`, { cause: err })
  }
}

/** Encodes with protobufjs; the result is a plain Uint8Array view (protobufjs returns a Buffer on Node). */
export function encodeWith(type: protobuf.Type, message: object): Uint8Array {
  const b = type.encode(message).finish()
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}
