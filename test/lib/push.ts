import type { Label } from '@sluice/contracts'
import { encodeSeries, snappyEncode } from '@sluice/wire'

/** Sends one remote-write 1.0 request; returns the HTTP status and body text. */
export async function pushSeries(
  url: string,
  series: { labels: Label[]; samples: { value: number; timestampMs: number }[] }[],
): Promise<{ status: number; text: string }> {
  const body = snappyEncode(encodeSeries(series))
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
  })
  return { status: res.status, text: await res.text() }
}

/**
 * A sender that behaves like a remote-write client: each request carries the next sample of every
 * series (timestamps strictly increasing), and a request that is not answered 2xx is retried until it is.
 */
export class SequentialSender {
  readonly url: string
  readonly series: Label[][]
  sent = 0
  retries = 0
  #t: number

  constructor(url: string, series: Label[][], startMs = Date.now() - 60_000) {
    this.url = url
    this.series = series
    this.#t = startMs
  }

  /** Sends `requests` requests (bounded), retrying each for up to `retryForMs`. */
  async send(requests: number, retryForMs = 60_000, gapMs = 0): Promise<void> {
    for (let r = 0; r < requests; r++) {
      this.#t += 1000
      const body = this.series.map((labels) => ({
        labels,
        samples: [{ value: this.sent, timestampMs: this.#t }],
      }))
      const deadline = Date.now() + retryForMs
      for (;;) {
        let status = 0
        try {
          status = (await pushSeries(this.url, body)).status
        } catch {}
        if (status >= 200 && status < 300) break
        if (Date.now() > deadline)
          throw new Error(`request ${r} not accepted within ${retryForMs} ms (last status ${status})`)
        this.retries++
        await new Promise((res) => setTimeout(res, 100))
      }
      this.sent++
      if (gapMs) await new Promise((res) => setTimeout(res, gapMs))
    }
  }
}
