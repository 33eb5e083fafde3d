/** Limits enforced while decoding a remote-write request. Every check happens before the work it guards. */
export interface WireLimits {
  /** Largest uncompressed body accepted; checked from the snappy header before allocating. */
  maxDecodedBytes: number
  /** Most TimeSeries in one request. */
  maxSeries: number
  /** Most labels on one series (`__name__` included). */
  maxLabelsPerSeries: number
  /** Longest label name, in UTF-8 bytes. */
  maxLabelNameBytes: number
  /** Longest label value, in UTF-8 bytes. */
  maxLabelValueBytes: number
  /** Most samples plus native-histogram samples on one series of one request. */
  maxSamplesPerSeries: number
}

/**
 * Defaults. 32 MiB and 100 000 series bound the memory one request can pin; the label limits sit above
 * Mimir's defaults (1024/2048 bytes) so that Sluice never rejects what a backend would take, while
 * still refusing label sets that only an attack or a bug produces.
 */
export const DEFAULT_WIRE_LIMITS: Readonly<WireLimits> = Object.freeze({
  maxDecodedBytes: 32 * 1024 * 1024,
  maxSeries: 100_000,
  maxLabelsPerSeries: 128,
  maxLabelNameBytes: 1024,
  maxLabelValueBytes: 4096,
  maxSamplesPerSeries: 100_000,
})

/** Fills unset limits with the defaults. */
export function resolveLimits(limits: Partial<WireLimits> = {}): WireLimits {
  return { ...DEFAULT_WIRE_LIMITS, ...limits }
}
