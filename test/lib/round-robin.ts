import type { Label } from '@sluice/contracts'
import { pushSeries } from './push.ts'

/**
 * A remote-write client behind a round-robin balancer, in one object: request r goes to the next
 * URL of `urls` (which the test may change while it runs, as a balancer's health checks would), each
 * request carries the next sample of every series, and a request that is not answered 2xx is retried
 * on the next URL until it is (a balancer's next-upstream plus the client's own retry). Only one
 * request is in flight at a time, so samples of a series leave in timestamp order.
 */
export class RoundRobinLoad {
  urls: string[]
  readonly series: Label[][]
  /** Requests acknowledged: every series has exactly this many samples once all is delivered. */
  sent = 0
  /** Attempts not answered 2xx (and so retried). */
  retries = 0
  /** Why the last refused attempt was refused. */
  lastRefusal = ''
  readonly #stepMs: number
  #t: number
  #next = 0
  #stopping = false
  #running: Promise<void> | undefined

  constructor(urls: string[], series: Label[][], startMs: number, stepMs = 10) {
    this.urls = urls
    this.series = series
    this.#t = startMs
    this.#stepMs = stepMs
  }

  /**
   * Starts sending in the background: at most `maxRequests`, `gapMs` apart, each retried for at most
   * `retryForMs` (then the load fails). {@link stop} ends it after the request in flight is acknowledged.
   */
  start(options: { maxRequests: number; gapMs: number; retryForMs: number }): void {
    this.#running = this.#run(options)
    // Surfaced by stop(); a rejection must not go unhandled meanwhile.
    this.#running.catch(() => undefined)
  }

  async #run(options: { maxRequests: number; gapMs: number; retryForMs: number }): Promise<void> {
    while (!this.#stopping && this.sent < options.maxRequests) {
      this.#t += this.#stepMs
      const value = this.sent
      const body = this.series.map((labels) => ({ labels, samples: [{ value, timestampMs: this.#t }] }))
      const deadline = Date.now() + options.retryForMs
      for (;;) {
        const url = this.urls[this.#next++ % this.urls.length]!
        try {
          const res = await pushSeries(url, body)
          if (res.status >= 200 && res.status < 300) break
          this.lastRefusal = `${url}: HTTP ${res.status} ${res.text.trim().slice(0, 200)}`
        } catch (err) {
          this.lastRefusal = `${url}: ${(err as Error).message}`
        }
        this.retries++
        if (Date.now() > deadline)
          throw new Error(
            `request ${value} not accepted within ${options.retryForMs} ms (last: ${this.lastRefusal})`,
          )
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      this.sent++
      if (options.gapMs > 0) await new Promise((resolve) => setTimeout(resolve, options.gapMs))
    }
  }

  /** Resolves once at least `n` requests are acknowledged (bounded by `timeoutMs`). */
  async until(n: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.sent < n) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${this.sent} of ${n} requests acknowledged in time (last refusal: ${this.lastRefusal})`,
        )
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /** Stops after the request in flight is acknowledged; rejects if the load failed. */
  async stop(): Promise<void> {
    this.#stopping = true
    await this.#running
  }
}
