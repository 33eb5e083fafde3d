import type { Schema } from '@sluice/config'
import { compileRules } from '@sluice/relabel'
import type { Component, ComponentContext, ComponentDefinition } from '@sluice/runtime'
import { DnsDiscovery, FileDiscovery, relabelTargets, type Target } from '@sluice/scrape'
import { RULE_SCHEMA, rulesCapsule, rulesOf } from './rules.ts'
import type { NodeServices } from './services.ts'
import { targetsFromValue, targetsToValue } from './targets.ts'

interface RelabelArgs {
  targets: unknown[]
  rule?: unknown[]
}

/** discovery.relabel: rewrites target label sets; exports `output` and `rules`. */
export const discoveryRelabel: ComponentDefinition<RelabelArgs, NodeServices> = {
  name: 'discovery.relabel',
  args: {
    attrs: { targets: { type: { array: { object: 'string' } }, required: true } },
    blocks: { rule: { schema: RULE_SCHEMA, multiple: true } },
  },
  async build(ctx, args) {
    const publish = (a: RelabelArgs): void => {
      const rules = rulesOf(a.rule)
      const output = relabelTargets(targetsFromValue(ctx.id, a.targets), compileRules(rules))
      ctx.setExports({ output: targetsToValue(output), rules: rulesCapsule(rules) })
    }
    publish(args)
    return { update: async (a) => publish(a), stop: async () => {} }
  },
}

/** Components that watch something and export `targets` as it changes. */
interface Watcher {
  start(): void | Promise<void>
  stop(): void | Promise<void>
}

function watching<A>(
  name: string,
  args: Schema,
  make: (args: A, onTargets: (targets: Target[]) => void, ctx: ComponentContext<NodeServices>) => Watcher,
): ComponentDefinition<A, NodeServices> {
  return {
    name,
    args,
    async build(ctx, initial) {
      ctx.setExports({ targets: [] })
      const onTargets = (targets: Target[]): void => ctx.setExports({ targets: targetsToValue(targets) })
      let watcher = make(initial, onTargets, ctx)
      await watcher.start()
      const component: Component<A> = {
        async update(next) {
          await watcher.stop()
          watcher = make(next, onTargets, ctx)
          await watcher.start()
        },
        async stop() {
          await watcher.stop()
        },
      }
      return component
    },
  }
}

/** discovery.file: Prometheus file_sd files (JSON or YAML), watched and re-read every refresh_interval. */
export const discoveryFile = watching<{ files: string[]; refresh_interval: number }>(
  'discovery.file',
  {
    attrs: {
      files: { type: { array: 'string' }, required: true },
      refresh_interval: { type: 'duration', default: 300_000 },
    },
  },
  (args, onTargets, ctx) =>
    new FileDiscovery({
      files: args.files,
      refreshIntervalMs: args.refresh_interval,
      onTargets,
      logger: ctx.logger,
    }),
)

/** discovery.dns: A, AAAA, SRV or MX look-ups of `names`, every refresh_interval. */
export const discoveryDns = watching<{
  names: string[]
  refresh_interval: number
  type: string
  port: number
}>(
  'discovery.dns',
  {
    attrs: {
      names: { type: { array: 'string' }, required: true },
      refresh_interval: { type: 'duration', default: 30_000 },
      type: { type: 'string', default: 'SRV' },
      port: { type: 'number', default: 0 },
    },
  },
  (args, onTargets, ctx) =>
    new DnsDiscovery({
      names: args.names,
      type: args.type as 'A' | 'AAAA' | 'SRV',
      port: args.port,
      refreshIntervalMs: args.refresh_interval,
      onTargets,
      logger: ctx.logger,
    }),
)
