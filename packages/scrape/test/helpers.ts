import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Label } from '@sluice/contracts'
import {
  defaultScrapeConfig,
  type ParseScrapeInput,
  type ScrapeAppender,
  type ScrapeConfig,
  type ScrapedSeries,
} from '../src/index.ts'

/** An in-process scrape target on 127.0.0.1 whose answer a test can change between scrapes. */
export interface TestTarget {
  address: string
  requests: IncomingMessage[]
  handler: (req: IncomingMessage, res: ServerResponse) => void
  close(): Promise<void>
}

export async function startTarget(
  handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end(''),
): Promise<TestTarget> {
  const t: TestTarget = {
    address: '',
    requests: [],
    handler,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = createServer((req, res) => {
    t.requests.push(req)
    t.handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.address = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return t
}

/** A text-format answer. */
export function text(body: string): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4')
    res.end(body)
  }
}

/** Records every batch the scrape manager appends and lets a test wait for the next ones. */
export class CollectingAppender implements ScrapeAppender {
  readonly batches: ScrapedSeries[][] = []
  #waiters: (() => void)[] = []

  async append(series: ScrapedSeries[]): Promise<void> {
    this.batches.push(series)
    for (const w of this.#waiters.splice(0)) w()
  }

  /** Resolves once at least `count` batches arrived in total; fails after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 3000): Promise<ScrapedSeries[][]> {
    await this.waitUntil(() => this.batches.length >= count, `${count} batches`, timeoutMs)
    return this.batches
  }

  /** Resolves with the first batch from index `from` on that satisfies `predicate`. */
  async waitForBatch(
    predicate: (batch: ScrapedSeries[]) => boolean,
    from = 0,
    timeoutMs = 3000,
  ): Promise<ScrapedSeries[]> {
    let found: ScrapedSeries[] | undefined
    await this.waitUntil(
      () => {
        found = this.batches.slice(from).find(predicate)
        return found !== undefined
      },
      'a matching batch',
      timeoutMs,
    )
    return found!
  }

  async waitUntil(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.batches.length} batches`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }
}

/** A short-interval config for tests. */
export function testConfig(overrides: Partial<ScrapeConfig> = {}): ScrapeConfig {
  return { ...defaultScrapeConfig('test'), scrape_interval_ms: 100, scrape_timeout_ms: 100, ...overrides }
}

/** The series of `batch` named `name`, optionally also matching `labels`. */
export function find(
  batch: ScrapedSeries[],
  name: string,
  labels: Record<string, string> = {},
): ScrapedSeries[] {
  return batch.filter(
    (s) =>
      s.labels.some((l) => l.name === '__name__' && l.value === name) &&
      Object.entries(labels).every(([n, v]) => s.labels.some((l) => l.name === n && l.value === v)),
  )
}

/** The single value of the single series named `name` in `batch`. */
export function sampleValue(
  batch: ScrapedSeries[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const found = find(batch, name, labels)
  if (found.length !== 1) throw new Error(`expected one ${name} series, found ${found.length}`)
  return found[0]!.samples[0]!.value
}

export function labelsOf(record: Record<string, string>): Label[] {
  return Object.entries(record)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

export function asRecord(labels: readonly Label[]): Record<string, string> {
  return Object.fromEntries(labels.map((l) => [l.name, l.value]))
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The target labels {@link parseInput} scrapes for. */
export const TARGET = labelsOf({ instance: 'h:1', job: 'node' })

/** The input of one text-format scrape of {@link TARGET} with every limit off, `over` applied. */
export function parseInput(
  body: string | Uint8Array,
  over: Partial<ParseScrapeInput> = {},
): ParseScrapeInput {
  return {
    body,
    contentType: 'text/plain; version=0.0.4',
    targetLabels: TARGET,
    scrapeTimestampMs: 1_000_000,
    honorLabels: false,
    honorTimestamps: true,
    trackTimestampsStaleness: false,
    sampleLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
    ...over,
  }
}
