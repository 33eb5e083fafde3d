/**
 * Parse throughput of the exposition parser on a generated 100k-sample body, in both formats.
 * Run: node packages/wire/bench/exposition.bench.ts [seconds per format, default 3]
 * Bounded in time: each format parses repeatedly for the given seconds (at least once).
 */

import type { ExpositionFormat } from '../src/exposition/index.ts'
import { parseExposition } from '../src/exposition/index.ts'

const SAMPLES = 100_000
const seconds = Number(process.argv[2] ?? 3)

/** Node-exporter-like families: counters with 3 labels, histograms with 10 buckets plus sum/count. */
function generateBody(format: ExpositionFormat): string {
  const lines: string[] = []
  const om = format === 'openmetrics'
  let count = 0
  for (let f = 0; count < SAMPLES; f++) {
    if (f % 2 === 0) {
      const name = `node_network_receive_bytes_${f}`
      lines.push(`# HELP ${name} Network device statistic receive_bytes.`)
      lines.push(`# TYPE ${name} counter`)
      for (let s = 0; s < 100 && count < SAMPLES; s++, count++) {
        const sampleName = om ? `${name}_total` : name
        lines.push(
          `${sampleName}{device="eth${s}",instance="10.0.${f % 256}.${s}:9100",job="node"} ${f * 1000 + s * 7.5}`,
        )
      }
    } else {
      const name = `http_request_duration_seconds_${f}`
      lines.push(`# HELP ${name} Request latency.`)
      lines.push(`# TYPE ${name} histogram`)
      for (let s = 0; s < 8 && count < SAMPLES; s++) {
        const labels = `handler="/api/v${s}",method="GET"`
        for (const le of ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf']) {
          lines.push(`${name}_bucket{${labels},le="${le}"} ${s * 13}`)
          count++
        }
        lines.push(`${name}_sum{${labels}} ${s * 1.25}`)
        lines.push(`${name}_count{${labels}} ${s * 13}`)
        count += 2
      }
    }
  }
  if (om) lines.push('# EOF')
  return `${lines.join('\n')}\n`
}

for (const format of ['text', 'openmetrics'] as const) {
  const body = generateBody(format)
  let samples = 0
  let runs = 0
  parseExposition(body, format) // warm-up
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(Math.round(seconds * 1e9))
  do {
    samples += parseExposition(body, format).samples.length
    runs++
  } while (process.hrtime.bigint() < deadline)
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9
  const rate = Math.round(samples / elapsed)
  const mb = (body.length / 1e6).toFixed(1)
  console.log(
    `${format}: ${runs} parses of ${samples / runs} samples (${mb} MB) in ${elapsed.toFixed(2)}s: ` +
      `${rate.toLocaleString('en-US')} samples/s, ${((elapsed / runs) * 1000).toFixed(1)} ms/parse`,
  )
}
