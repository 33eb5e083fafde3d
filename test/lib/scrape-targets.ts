import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One GET a test target received: when, and which scraper sent it (its `X-Scraper` header). */
export interface TargetHit {
  at: number
  by: string
}

/**
 * An in-process scrape target on 127.0.0.1: exposes one counter that counts its own scrapes, and keeps
 * a log of every GET so a test can check who scraped it and how often, from the target's side.
 */
export class CountingTarget {
  readonly name: string
  readonly hits: TargetHit[] = []
  address = ''
  readonly #server: Server

  constructor(name: string) {
    this.name = name
    this.#server = createServer((req, res) => {
      this.hits.push({ at: Date.now(), by: String(req.headers['x-scraper'] ?? '') })
      res.setHeader('content-type', 'text/plain; version=0.0.4')
      res.end(
        `# HELP test_target_scrapes_total Scrapes this target has answered.\n# TYPE test_target_scrapes_total counter\ntest_target_scrapes_total{target="${this.name}"} ${this.hits.length}\n`,
      )
    })
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.address = `127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  /** GETs received in [from, to). */
  between(from: number, to: number): TargetHit[] {
    return this.hits.filter((h) => h.at >= from && h.at < to)
  }

  /** The shortest gap between two consecutive GETs in [from, to), in ms (Infinity with fewer than two). */
  minGap(from = 0, to = Number.POSITIVE_INFINITY): number {
    const hits = this.between(from, to)
    let min = Number.POSITIVE_INFINITY
    for (let i = 1; i < hits.length; i++) min = Math.min(min, hits[i]!.at - hits[i - 1]!.at)
    return min
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

/** Starts `count` counting targets named t0, t1, ... */
export async function startTargets(count: number): Promise<CountingTarget[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => new CountingTarget(`t${i}`).start()))
}

/** An Alloy list of target objects for the given addresses. */
export function alloyTargets(targets: readonly CountingTarget[]): string {
  return `[${targets.map((t) => `{ __address__ = "${t.address}", name = "${t.name}" }`).join(', ')}]`
}
