import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'

const HEAP_FLAGS = join(import.meta.dirname, '../src/heap-flags.ts')

/**
 * Runs a child that allocates `rounds` 1 MiB ArrayBuffers, keeping none, and prints how many
 * mark-compacts it saw; with `heapFlags` it imports heap-flags.ts first, as cli.ts does.
 */
function markCompacts(heapFlags: boolean, rounds: number): number {
  const script = `
    ${heapFlags ? `await import(${JSON.stringify(HEAP_FLAGS)})` : ''}
    const { PerformanceObserver, constants } = await import('node:perf_hooks')
    let major = 0
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++
    })
    observer.observe({ entryTypes: ['gc'] })
    // Each buffer is reachable until the next one replaces it, so none can be optimised away.
    globalThis.last = undefined
    for (let i = 0; i < ${rounds}; i++) {
      globalThis.last = new Uint8Array(1 << 20)
      // Let the GC tasks and observer callbacks run now and then, as an event loop under load does.
      if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
    process.stdout.write(String(major))
  `
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  return Number(out)
}

test('short-lived ArrayBuffer churn starts far fewer mark-compacts with the heap flags', () => {
  // 2 GiB of 1 MiB buffers: by default a mark-compact per 64 MiB of them (about 30).
  const plain = markCompacts(false, 2048)
  const tuned = markCompacts(true, 2048)
  assert.ok(plain >= 10, `expected the default V8 to mark-compact often, saw ${plain}`)
  assert.ok(
    tuned * 3 <= plain,
    `expected at most a third of ${plain} mark-compacts with the flags, saw ${tuned}`,
  )
})
