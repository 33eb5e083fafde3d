/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) that a self-time summary needs. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  samples: number[]
  timeDeltas: number[]
}

/** Self time of one function. */
export interface SelfTime {
  /** `name file:line`, the file shortened to its package path. */
  fn: string
  us: number
}

/** Totals of a profile and its functions by self time, most first. */
export interface ProfileSummary {
  totalUs: number
  /** Total minus `(idle)`: time the thread was running (or descheduled while running). */
  busyUs: number
  top: SelfTime[]
}

/**
 * Sums self time per function. The profiler samples wall time: a thread that is descheduled (a
 * shared machine, or a syscall that wakes another thread) charges that time to the function it was
 * in, so the summary says where a thread spends its time, and /proc CPU says how much it used.
 */
export function summarizeProfile(profile: CpuProfile, top: number): ProfileSummary {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const self = new Map<string, number>()
  let totalUs = 0
  let idleUs = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = frames.get(profile.samples[i]!)
    const us = profile.timeDeltas[i] ?? 0
    totalUs += us
    if (frame === undefined) continue
    if (frame.functionName === '(idle)') {
      idleUs += us
      continue
    }
    const file = frame.url.replace(/^.*\/(packages|apps|node_modules)\//, '$1/')
    const fn = `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`
    self.set(fn, (self.get(fn) ?? 0) + us)
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
  return { totalUs, busyUs: totalUs - idleUs, top: rows.map(([fn, us]) => ({ fn, us })) }
}
