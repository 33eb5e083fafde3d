import { createHmac, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ClusterConfigError } from './errors.ts'

/**
 * The cluster secret is a libp2p private-network key in the v1 swarm key file format (three lines:
 * `/key/swarm/psk/1.0.0/`, `/base16/`, 64 hex digits), the format IPFS and @libp2p/pnet use. Nodes
 * without the same key cannot complete a connection with the cluster.
 */
const HEADER = '/key/swarm/psk/1.0.0/'
const KEY_BYTES = 32

/** A fresh secret, ready to be written to a file and handed to every node. */
export function generateSecret(): Uint8Array {
  return new TextEncoder().encode(`${HEADER}\n/base16/\n${randomBytes(KEY_BYTES).toString('hex')}\n`)
}

/** The 32 key bytes of a secret, checking its format. */
export function secretKeyBytes(secret: Uint8Array): Uint8Array {
  const lines = new TextDecoder().decode(secret).split(/\r\n|\r|\n/)
  const hex = lines[2] ?? ''
  // Lower-case only: @libp2p/pnet decodes the line with the multibase base16 alphabet.
  if (lines[0] !== HEADER || lines[1] !== '/base16/' || !/^[0-9a-f]{64}$/.test(hex)) {
    throw new ClusterConfigError(
      `cluster secret is not a v1 swarm key (${HEADER}, /base16/, 64 lower-case hex digits)`,
    )
  }
  return Buffer.from(hex, 'hex')
}

/** Reads and checks a secret file. */
export async function readSecretFile(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (cause) {
    throw new ClusterConfigError(`cannot read cluster secret file ${path}`, { cause })
  }
  secretKeyBytes(bytes)
  return bytes
}

/**
 * The bearer token nodes put on data-plane requests they forward to each other, so an owner accepts
 * forwards only from holders of the cluster secret. HMAC-SHA256 of a fixed label keyed with the key
 * bytes: the token reveals nothing about the key, and is the same on every node. Undefined without a
 * secret (an open cluster).
 */
export function dataPlaneToken(secret: Uint8Array | undefined): string | undefined {
  if (secret === undefined) return undefined
  return createHmac('sha256', secretKeyBytes(secret)).update('sluice data-plane token v1').digest('base64url')
}
