import { hash } from 'node:crypto'
import { RelabelConfigError } from './errors.ts'

/**
 * Prometheus's hashmod: the MD5 of the UTF-8 bytes of `value`, bytes 8..15 of the digest read as a
 * big-endian uint64, modulo `modulus`. (Prometheus keeps only the low half "to give the same result as
 * earlier versions".) BigInt is needed because the uint64 exceeds 2^53. Throws RelabelConfigError for a
 * modulus that is not a positive safe integer.
 */
export function hashmod(value: string, modulus: number): number {
  if (!Number.isSafeInteger(modulus) || modulus <= 0) {
    throw new RelabelConfigError(undefined, `hashmod modulus must be a positive integer, got ${modulus}`)
  }
  return hashmodBig(value, BigInt(modulus))
}

/** hashmod with the modulus already a BigInt, for compiled rules. */
export function hashmodBig(value: string, modulus: bigint): number {
  return Number(hash('md5', value, 'buffer').readBigUInt64BE(8) % modulus)
}
