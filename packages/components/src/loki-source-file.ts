import { join } from 'node:path'
import type { Schema } from '@sluice/config'
import { type Label, SluiceError } from '@sluice/contracts'
import { type FileTarget, FileTargets } from '@sluice/loki'
import type { Component, ComponentContext, ComponentDefinition } from '@sluice/runtime'
import type { Counter } from '@sluice/telemetry'
import { entryCount, fanOut, type LogsReceiver, logsReceivers } from './loki-receiver.ts'
import { counter } from './prometheus-receive-http.ts'
import type { NodeServices } from './services.ts'

interface Args {
  targets: unknown[]
  forward_to: unknown[]
  encoding?: string
  tail_from_end: boolean
  file_watch?: { min_poll_frequency?: number; max_poll_frequency?: number }
  file_match?: { enabled?: boolean; sync_period?: number }
}

const schema: Schema = {
  attrs: {
    targets: { type: { array: { object: 'string' } }, required: true },
    forward_to: { type: { array: 'capsule' }, required: true },
    encoding: { type: 'string' },
    tail_from_end: { type: 'bool', default: false },
    legacy_positions_file: { type: 'string' },
    on_positions_file_error: { type: 'string', default: 'restart_from_beginning' },
  },
  blocks: {
    file_watch: {
      schema: {
        attrs: {
          min_poll_frequency: { type: 'duration', default: '250ms' },
          max_poll_frequency: { type: 'duration', default: '250ms' },
        },
      },
    },
    file_match: {
      schema: {
        attrs: {
          enabled: { type: 'bool', default: false },
          sync_period: { type: 'duration', default: '10s' },
        },
      },
    },
  },
}

/** How often globs are expanded again when no file_match block says otherwise. */
const DEFAULT_SYNC_MS = 5_000

/** `targets` as file targets: `__path__` is the path or glob, labels starting with `__` are left out. */
export function fileTargetsOf(component: string, value: unknown): FileTarget[] {
  if (!Array.isArray(value))
    throw new SluiceError('SLUICE_ERR_CONFIG', `${component}: targets must be a list of objects`, {
      status: 400,
    })
  return value.map((item, i) => {
    const map = (item ?? {}) as Record<string, unknown>
    const path = map.__path__
    if (typeof path !== 'string' || path === '') {
      throw new SluiceError('SLUICE_ERR_CONFIG', `${component}: targets[${i}] has no __path__`, {
        status: 400,
      })
    }
    const labels: Label[] = []
    for (const [name, v] of Object.entries(map)) {
      if (name.startsWith('__')) continue
      if (typeof v !== 'string')
        throw new SluiceError('SLUICE_ERR_CONFIG', `${component}: targets[${i}].${name} must be a string`, {
          status: 400,
        })
      labels.push({ name, value: v })
    }
    return { path, labels }
  })
}

function checkEncoding(component: string, encoding: string | undefined): void {
  if (encoding === undefined || encoding === '' || /^utf-?8$/i.test(encoding)) return
  throw new SluiceError(
    'SLUICE_ERR_CONFIG',
    `${component}: encoding ${JSON.stringify(encoding)} is not supported (files are read as UTF-8)`,
    { status: 400 },
  )
}

/**
 * loki.source.file: tails the files its targets name and forwards their lines. A file's position is
 * saved under the component's data directory only after its lines were accepted downstream.
 */
class LokiSourceFile implements Component<Args> {
  readonly #ctx: ComponentContext<NodeServices>
  readonly #received: Counter
  #receivers: LogsReceiver[]
  #files: FileTargets

  constructor(ctx: ComponentContext<NodeServices>, args: Args) {
    this.#ctx = ctx
    checkEncoding(ctx.id, args.encoding)
    this.#receivers = logsReceivers(ctx.id, args.forward_to)
    this.#received = counter(
      ctx,
      'sluice_loki_received_entries_total',
      'Log entries a Loki component accepted.',
      ['component'],
    )
    this.#files = this.#create(args)
    void this.#files.update(fileTargetsOf(ctx.id, args.targets))
  }

  #create(args: Args): FileTargets {
    return new FileTargets({
      positionsPath: join(this.#ctx.dataPath, 'positions.json'),
      pollMs: args.file_watch?.min_poll_frequency ?? 250,
      syncMs: args.file_match?.sync_period ?? DEFAULT_SYNC_MS,
      tailFromEnd: args.tail_from_end === true,
      logger: this.#ctx.logger,
      deliver: async (stream) => {
        await fanOut(this.#receivers, [stream])
        this.#received.inc({ component: this.#ctx.id }, entryCount([stream]))
      },
    })
  }

  async start(): Promise<void> {
    await this.#files.start()
  }

  async update(args: Args): Promise<void> {
    checkEncoding(this.#ctx.id, args.encoding)
    const targets = fileTargetsOf(this.#ctx.id, args.targets)
    this.#receivers = logsReceivers(this.#ctx.id, args.forward_to)
    // Tailing options apply to new tailers only: restart them all (positions are saved on stop).
    await this.#files.stop()
    this.#files = this.#create(args)
    await this.#files.update(targets)
    await this.#files.start()
  }

  async stop(): Promise<void> {
    await this.#files.stop()
  }
}

export const lokiSourceFile: ComponentDefinition<Args, NodeServices> = {
  name: 'loki.source.file',
  args: schema,
  async build(ctx, args) {
    return new LokiSourceFile(ctx, args)
  },
}
