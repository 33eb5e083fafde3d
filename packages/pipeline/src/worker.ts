import { move, transferableSymbol, valueSymbol } from 'piscina'
import { stampEnd, stampStart } from './deadline.ts'
import type { PushResult } from './result.ts'
import { PushRunner } from './run-push.ts'
import { type PushTask, type TaskResponse, toPlainError } from './task.ts'

/** The piscina worker: one {@link PushRunner} per thread, so its caches live as long as the thread. */
const runner = new PushRunner()

/**
 * Runs one push. The result's payloads are fresh ArrayBuffers, moved (not copied) back to the main
 * thread; errors come back as data (see task.ts).
 */
export default function runTask(job: PushTask): unknown {
  stampStart(job.started)
  let result: PushResult
  try {
    result = runner.run(job)
  } catch (err) {
    const response: TaskResponse = { ok: false, error: toPlainError(err) }
    return response
  } finally {
    stampEnd(job.started)
  }
  // A set: sinks that take a push whole share its received block (BatchCompressor), and a transfer
  // list naming one buffer twice is refused.
  const buffers = new Set<ArrayBuffer>()
  for (const out of result.local) buffers.add(out.payload.buffer as ArrayBuffer)
  for (const out of result.main) buffers.add(out.payload.buffer as ArrayBuffer)
  for (const out of result.remote) buffers.add(out.payload.buffer as ArrayBuffer)
  const response: TaskResponse = { ok: true, result }
  return move({ [transferableSymbol]: [...buffers], [valueSymbol]: response } as never)
}

/** The scrape-body task (`pool.run(input, { name: 'parseScrape' })`): see `@sluice/scrape`'s parse-task. */
export { parseScrapeTask as parseScrape } from '@sluice/scrape/parse-task'
