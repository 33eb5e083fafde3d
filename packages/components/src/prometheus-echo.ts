import type { StagePlan } from '@sluice/pipeline'
import type { ComponentDefinition } from '@sluice/runtime'
import { decodeWriteRequest } from '@sluice/wire'
import { DebugSummary } from './debug-sink.ts'
import { type MetricsReceiver, receiverCapsule } from './receiver.ts'
import type { NodeServices } from './services.ts'

interface Args {
  format: string
  summary_interval: number
}

/**
 * prometheus.echo: writes what it receives to stdout. `format = "text"` prints every sample in the
 * exposition format as Alloy does; Sluice's `format = "summary"` logs a rolling summary instead.
 */
export const prometheusEcho: ComponentDefinition<Args, NodeServices> = {
  name: 'prometheus.echo',
  args: {
    attrs: {
      format: { type: 'string', default: 'text' },
      summary_interval: { type: 'duration', default: 10_000 },
    },
  },
  validate: (args) =>
    ['text', 'summary'].includes(args.format)
      ? []
      : [`format must be "text" or "summary", not "${args.format}"`],
  async build(ctx, initial) {
    let args = initial
    let summary = args.format === 'summary' ? new DebugSummary(ctx.logger, args.summary_interval) : undefined
    const receiver: MetricsReceiver = { id: ctx.id, plan: (): StagePlan => ({ kind: 'main', id: ctx.id }) }
    ctx.services.mains.set(ctx.id, {
      async appendPayload(payload) {
        if (summary) return summary.add(payload)
        const lines: string[] = []
        for (const series of decodeWriteRequest(payload).timeseries) {
          const labels = series.labels.filter((l) => l.name !== '__name__')
          const name = series.labels.find((l) => l.name === '__name__')?.value ?? ''
          const set = labels.length
            ? `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(',')}}`
            : ''
          for (const s of series.samples) lines.push(`${name}${set} ${s.value} ${s.timestamp}`)
        }
        process.stdout.write(`${lines.join('\n')}\n`)
      },
    })
    ctx.setExports({ receiver: receiverCapsule(receiver) })
    return {
      async update(next) {
        args = next
        summary?.close()
        summary = args.format === 'summary' ? new DebugSummary(ctx.logger, args.summary_interval) : undefined
      },
      async stop() {
        summary?.close()
        ctx.services.mains.delete(ctx.id)
      },
    }
  },
}
