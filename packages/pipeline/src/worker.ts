import { move, transferableSymbol, valueSymbol } from 'piscina'
import type { PushJob } from './plan.ts'
import type { PushResult } from './result.ts'
import { PushRunner } from './run-push.ts'
import { type TaskResponse, toPlainError } from './task.ts'

/** The piscina worker: one {@link PushRunner} per thread, so its caches live as long as the thread. */
const runner = new PushRunner()

/**
 * Runs one push. The result's payloads are fresh ArrayBuffers, moved (not copied) back to the main
 * thread; errors come back as data (see task.ts).
 */
export default function runTask(job: PushJob): unknown {
  let result: PushResult
  try {
    result = runner.run(job)
  } catch (err) {
    const response: TaskResponse = { ok: false, error: toPlainError(err) }
    return response
  }
  const buffers: ArrayBuffer[] = []
  for (const out of result.local) buffers.push(out.payload.buffer as ArrayBuffer)
  for (const out of result.main) buffers.push(out.payload.buffer as ArrayBuffer)
  for (const out of result.remote) buffers.push(out.payload.buffer as ArrayBuffer)
  const response: TaskResponse = { ok: true, result }
  return move({ [transferableSymbol]: buffers, [valueSymbol]: response } as never)
}
