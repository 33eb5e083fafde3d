let last = 0n

/**
 * The receive time of a log entry in nanoseconds since the epoch. Strictly increasing within the
 * process, so that entries stamped one after the other keep their order in Loki even when the
 * millisecond clock does not move between them (Loki orders a stream by timestamp).
 */
export function receiveTimeNs(): bigint {
  const now = BigInt(Date.now()) * 1_000_000n
  last = now > last ? now : last + 1n
  return last
}
