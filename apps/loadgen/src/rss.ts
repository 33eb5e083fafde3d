import { readFile } from 'node:fs/promises'
import { LoadgenUsageError } from './errors.ts'

/** Resident memory of a process, from /proc/<pid>/status (Linux), in bytes. */
export interface Rss {
  /** VmRSS: resident now. */
  rss: number
  /** VmHWM: the peak resident size since the process started. */
  hwm: number
}

/** Reads VmRSS and VmHWM of `pid`; worker threads share their process's memory, so they are included. */
export async function readRss(pid: number): Promise<Rss> {
  return parseStatus(await readFile(`/proc/${pid}/status`, 'utf8'))
}

/** Parses the text of /proc/<pid>/status; fields are in kB there. */
export function parseStatus(text: string): Rss {
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)
    if (!match) throw new LoadgenUsageError(`no ${field} in the /proc status text`)
    return Number(match[1]) * 1024
  }
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
}
