import { readFileSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { type CpuProfile, summarizeProfile } from './cpuprofile.ts'
import { pushDistinct } from './distinct.ts'
import { LoadgenUsageError } from './errors.ts'
import { buildRequest } from './series.ts'

const USAGE = `usage:
  loadgen payload OUT [--series 2000] [--labels 8] [--first 0]
      writes one snappy remote-write request (the gen-payload.mjs shape) to OUT
  loadgen distinct --url URL [--series 1000000] [--per-request 2000] [--duration 60]
                   [--concurrency 4] [--pid PID] [--settle 10] [--labels 8]
      pushes always-new series, paced over --duration seconds, sampling PID's RSS every second;
      prints one JSON line per sample, then a summary line
  loadgen profile FILE.cpuprofile... [--top 25]
      prints the functions with the most self time in each profile`

function int(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0)
    throw new LoadgenUsageError(`--${flag}: want a whole number, got "${text}"`)
  return n
}

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20)

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      series: { type: 'string' },
      labels: { type: 'string' },
      first: { type: 'string' },
      url: { type: 'string' },
      'per-request': { type: 'string' },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      pid: { type: 'string' },
      settle: { type: 'string' },
      top: { type: 'string' },
    },
  })
  if (command === 'payload') {
    const out = positionals[0]
    if (!out) throw new LoadgenUsageError('payload: name the output file')
    const series = int('series', values.series, 2000)
    const body = buildRequest({
      first: int('first', values.first, 0),
      count: series,
      labels: int('labels', values.labels, 8),
      timestampMs: Date.now(),
    })
    writeFileSync(out, body)
    console.error(`series=${series} snappy=${body.length}B`)
  } else if (command === 'distinct') {
    if (!values.url) throw new LoadgenUsageError('distinct: --url is required')
    const pid = values.pid === undefined ? undefined : int('pid', values.pid, 0)
    const result = await pushDistinct({
      url: values.url,
      totalSeries: int('series', values.series, 1_000_000),
      perRequest: Math.max(1, int('per-request', values['per-request'], 2000)),
      durationMs: int('duration', values.duration, 60) * 1000,
      concurrency: Math.max(1, int('concurrency', values.concurrency, 4)),
      labels: int('labels', values.labels, 8),
      settleMs: int('settle', values.settle, 10) * 1000,
      ...(pid === undefined ? {} : { pid }),
      onSample: (s) =>
        console.log(
          JSON.stringify({
            t: Math.round(s.elapsedMs / 100) / 10,
            series: s.seriesAccepted,
            rssMiB: mib(s.rss),
            hwmMiB: mib(s.hwm),
          }),
        ),
    })
    const rss = result.samples.map((s) => s.rss)
    console.log(
      JSON.stringify({
        requests: result.requests,
        failed: result.failed,
        seriesAccepted: result.seriesAccepted,
        seconds: Math.round(result.elapsedMs / 100) / 10,
        maxRssMiB: rss.length > 0 ? mib(Math.max(...rss)) : undefined,
        peakHwmMiB: result.samples.length > 0 ? mib(result.samples.at(-1)!.hwm) : undefined,
      }),
    )
  } else if (command === 'profile') {
    if (positionals.length === 0) throw new LoadgenUsageError('profile: name one or more .cpuprofile files')
    for (const file of positionals) {
      const summary = summarizeProfile(
        JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
        int('top', values.top, 25),
      )
      const busy = summary.busyUs
      console.log(
        `\n${basename(file)}: ${(summary.totalUs / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(2)} s busy`,
      )
      for (const row of summary.top)
        console.log(
          `${(row.us / 1000).toFixed(0).padStart(8)} ms ${((100 * row.us) / Math.max(1, busy)).toFixed(1).padStart(5)}%  ${row.fn}`,
        )
    }
  } else {
    throw new LoadgenUsageError(USAGE)
  }
}

try {
  await main(process.argv.slice(2))
} catch (err) {
  console.error(err instanceof LoadgenUsageError ? err.message : err)
  process.exitCode = err instanceof LoadgenUsageError ? 2 : 1
}
