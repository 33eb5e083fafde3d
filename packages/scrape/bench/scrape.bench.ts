/**
 * Throughput of the scrape hot path on one 10 000-sample body: parse (wire's exposition parser),
 * attach target labels (parseScrapeBody), and encode the result as a remote-write 1.0 request,
 * without and with the target's series cache (the steady state of a scrape loop: same series, new
 * values). No network: the body is built in memory. Run with `npm run bench -w @sluice/scrape`.
 */
import { encodeSeries, formatFromContentType, parseExposition } from '@sluice/wire'
import { encodeScrapedSeries, type ParseScrapeInput, parseScrapeBody, SeriesCache } from '../src/index.ts'

const FAMILIES = 100
const SERIES_PER_FAMILY = 100

function buildBody(): string {
  let body = ''
  for (let f = 0; f < FAMILIES; f++) {
    body += `# HELP app_metric_${f}_total A counter of things.\n# TYPE app_metric_${f}_total counter\n`
    for (let s = 0; s < SERIES_PER_FAMILY; s++) {
      body += `app_metric_${f}_total{method="GET",path="/api/v1/items/${s}",status="${200 + (s % 5)}"} ${f * 1000 + s}.5\n`
    }
  }
  return body
}

const body = buildBody()
const bytes = new TextEncoder().encode(body)
const input: ParseScrapeInput = {
  body: bytes,
  contentType: 'text/plain; version=0.0.4',
  targetLabels: [
    { name: 'instance', value: '10.0.0.1:9100' },
    { name: 'job', value: 'node' },
  ],
  scrapeTimestampMs: Date.now(),
  honorLabels: false,
  honorTimestamps: true,
  trackTimestampsStaleness: false,
  sampleLimit: 0,
  labelLimit: 0,
  labelNameLengthLimit: 0,
  labelValueLengthLimit: 0,
}
const SAMPLES = FAMILIES * SERIES_PER_FAMILY

/** Runs `fn` repeatedly for about `ms` milliseconds (at most 2000 rounds) after a short warm-up. */
function measure(name: string, fn: () => void, ms = 1500): void {
  for (let i = 0; i < 5; i++) fn()
  let rounds = 0
  const start = performance.now()
  while (performance.now() - start < ms && rounds < 2000) {
    fn()
    rounds++
  }
  const seconds = (performance.now() - start) / 1000
  const rate = (rounds * SAMPLES) / seconds
  console.log(
    `${name.padEnd(28)} ${(rate / 1e6).toFixed(2)} M samples/s  (${((seconds * 1000) / rounds).toFixed(2)} ms per body, ${rounds} rounds)`,
  )
}

console.log(`body: ${SAMPLES} samples, ${(bytes.length / 1024).toFixed(0)} KiB, node ${process.version}`)
const text = new TextDecoder().decode(bytes)
measure('parse only', () => {
  parseExposition(text, formatFromContentType(input.contentType))
})
measure('parse + labels', () => {
  parseScrapeBody(input)
})
const parsed = parseScrapeBody(input)
measure('encode only', () => {
  encodeSeries(parsed.series)
})
measure('parse + labels + encode', () => {
  encodeSeries(parseScrapeBody(input).series)
})
const cached: ParseScrapeInput = { ...input, cache: new SeriesCache() }
measure('cached: parse + labels', () => {
  parseScrapeBody(cached)
})
const warm = parseScrapeBody(cached)
measure('cached: encode only', () => {
  encodeScrapedSeries(warm.series)
})
measure('cached: parse+labels+encode', () => {
  encodeScrapedSeries(parseScrapeBody(cached).series)
})
