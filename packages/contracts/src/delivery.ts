/**
 * A pause on delivery to backends that every sender of a node honours before it sends a batch. A
 * cluster member uses it after a peer crashed: it keeps accepting writes into its WALs but sends
 * nothing until the crashed peer has sent what its own WAL held (docs/cluster.md, "Crashes").
 */
export interface DeliveryHold {
  /**
   * Undefined when delivery may go on now; otherwise a promise that resolves when it may, or when
   * `signal` aborts. It never rejects.
   */
  wait(signal: AbortSignal): Promise<void> | undefined
}
