import { parseBytes, parseDuration } from '@sluice/config'
import { SluiceError } from '@sluice/contracts'

/**
 * Decoded duration and size arguments as numbers. Values written in a config arrive converted (ms,
 * bytes), but schema defaults arrive as written (`"1s"`, `"1MiB"`): both forms are read here.
 */
export function durationMs(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value
  if (typeof value !== 'string') return fallback
  const r = parseDuration(value)
  if ('error' in r)
    throw new SluiceError('SLUICE_ERR_CONFIG', `duration ${JSON.stringify(value)}: ${r.error}`, {
      status: 400,
    })
  return r.ms
}

export function byteSize(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value
  if (typeof value !== 'string') return fallback
  const r = parseBytes(value)
  if ('error' in r)
    throw new SluiceError('SLUICE_ERR_CONFIG', `size ${JSON.stringify(value)}: ${r.error}`, { status: 400 })
  return r.bytes
}
