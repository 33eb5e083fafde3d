import type { DeliveryHold } from '../delivery.ts'

/** A {@link DeliveryHold} that a test switches by hand: held from the start until {@link lift}. */
export class ManualHold implements DeliveryHold {
  /** How many times a sender found delivery held. */
  waits = 0
  #held = true
  readonly #lifted = Promise.withResolvers<void>()

  wait(signal: AbortSignal): Promise<void> | undefined {
    if (!this.#held) return undefined
    this.waits++
    return new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => resolve(), { once: true })
      void this.#lifted.promise.then(() => resolve())
    })
  }

  /** Ends the hold for the waiters and every later call. */
  lift(): void {
    this.#held = false
    this.#lifted.resolve()
  }
}
