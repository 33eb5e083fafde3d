import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseStatus, readRss, summarizeProfile } from '../src/index.ts'

test('RSS and its peak are read from /proc status in bytes', async () => {
  const text = 'Name:\tnode\nVmHWM:\t  865512 kB\nVmRSS:\t  123456 kB\nThreads:\t11\n'
  assert.deepEqual(parseStatus(text), { rss: 123456 * 1024, hwm: 865512 * 1024 })
  assert.throws(() => parseStatus('Name:\tnode\n'), { code: 'SLUICE_ERR_LOADGEN_USAGE' })
  const own = await readRss(process.pid)
  assert.ok(own.rss > 0 && own.hwm >= own.rss)
})

test('a profile summary sums self time per function, leaving idle time out of busy time', () => {
  const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 9 })
  const summary = summarizeProfile(
    {
      nodes: [
        { id: 1, callFrame: frame('(idle)') },
        { id: 2, callFrame: frame('decode', 'file:///w/packages/wire/src/a.ts') },
        { id: 3, callFrame: frame('') },
      ],
      samples: [1, 2, 3, 2, 1],
      timeDeltas: [100, 10, 5, 20, 50],
    },
    10,
  )
  assert.equal(summary.totalUs, 185)
  assert.equal(summary.busyUs, 35)
  assert.deepEqual(summary.top, [
    { fn: 'decode packages/wire/src/a.ts:10', us: 30 },
    { fn: '(anonymous)', us: 5 },
  ])
})
