import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const ROOT = new URL('../..', import.meta.url).pathname
export const SLUICE_BIN = join(ROOT, 'apps/sluice/bin/sluice.js')

/** Ports handed out by {@link freePort} in this process: never handed out twice. */
const handedOut = new Set<number>()

/** Lowest port of the kernel's ephemeral range, where outgoing connections take their local ports. */
function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
  } catch {
    return 32768
  }
}

/** True when `port` (0: any) can be bound on 127.0.0.1 now; resolves with the port bound. */
function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(undefined))
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port
      server.close(() => resolve(bound))
    })
  })
}

/**
 * A free TCP port on 127.0.0.1 for a server a test starts later. Picked below the ephemeral range: a
 * port the kernel hands out for `listen(0)` is also one it may give, a moment later, to an outgoing
 * connection of any process as its local port, and then the server cannot bind it (EADDRINUSE).
 */
export async function freePort(): Promise<number> {
  const top = Math.min(ephemeralStart(), 65536) - 1
  const bottom = 20000
  for (let attempt = 0; top > bottom && attempt < 100; attempt++) {
    const port = bottom + Math.floor(Math.random() * (top - bottom + 1))
    if (handedOut.has(port)) continue
    if ((await tryListen(port)) === port) {
      handedOut.add(port)
      return port
    }
  }
  const port = await tryListen(0)
  if (port === undefined) throw new Error('no free port on 127.0.0.1')
  return port
}

/** A temporary directory removed by `cleanup`. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `sluice-${prefix}-`))
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

/** A child process whose output is kept for failure messages. */
export class Proc {
  readonly name: string
  readonly child: ChildProcess
  output = ''
  readonly exited: Promise<number | null>

  constructor(name: string, command: string, args: string[], env: Record<string, string> = {}) {
    this.name = name
    this.child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000)
    }
    this.child.stdout!.on('data', keep)
    this.child.stderr!.on('data', keep)
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  /** Sends a signal and waits (bounded) for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode
    this.child.kill(signal)
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs)
    const code = await this.exited
    clearTimeout(timer)
    return code
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
}

/** Resolves when GET url answers 200. */
export function waitForHttp(url: string, timeoutMs = 30_000): Promise<true> {
  return waitFor(url, async () => ((await fetch(url)).ok ? true : undefined), timeoutMs)
}

/** Runs cleanups in reverse order, ignoring their errors. */
export class Cleanup {
  readonly #steps: (() => unknown)[] = []
  add(step: () => unknown): void {
    this.#steps.push(step)
  }
  dir(path: string): string {
    this.add(() => rmSync(path, { recursive: true, force: true }))
    return path
  }
  proc(p: Proc): Proc {
    this.add(() => p.stop('SIGKILL', 5000))
    return p
  }
  async run(): Promise<void> {
    for (const step of this.#steps.reverse()) {
      try {
        await step()
      } catch {}
    }
  }
}
