import type { Schema } from '@sluice/config'
import type { StagePlan } from '@sluice/pipeline'
import type { RelabelRule } from '@sluice/relabel'
import { type Component, type ComponentContext, type ComponentDefinition, sameValue } from '@sluice/runtime'
import { type MetricsReceiver, metricsReceivers, plansOf, receiverCapsule } from './receiver.ts'
import { RULE_SCHEMA, rulesCapsule, rulesOf } from './rules.ts'
import type { NodeServices } from './services.ts'

interface Args {
  forward_to: unknown[]
  rule?: unknown[]
  max_cache_size?: number
}

const schema: Schema = {
  attrs: {
    forward_to: { type: { array: 'capsule' }, required: true },
    max_cache_size: { type: 'number', default: 100_000 },
  },
  blocks: { rule: { schema: RULE_SCHEMA, multiple: true } },
}

/**
 * prometheus.relabel: its rules run inside the worker task of whatever pushes to it, fused with the
 * rest of the chain, so the receiver it exports is only a description of the stage.
 */
class Relabel implements Component<Args>, MetricsReceiver {
  readonly id: string
  readonly #ctx: ComponentContext<NodeServices>
  #rules: RelabelRule[]
  #next: MetricsReceiver[]
  #cacheSize: number
  /** One capsule for the component's life: dependents see the same receiver and are not re-evaluated. */
  readonly #receiver = receiverCapsule(this)

  constructor(ctx: ComponentContext<NodeServices>, args: Args) {
    this.id = ctx.id
    this.#ctx = ctx
    this.#rules = rulesOf(args.rule)
    this.#next = metricsReceivers(ctx.id, args.forward_to)
    this.#cacheSize = args.max_cache_size ?? 100_000
    ctx.setExports({ receiver: this.#receiver, rules: rulesCapsule(this.#rules) })
  }

  plan(): StagePlan {
    return {
      kind: 'relabel',
      id: this.id,
      rules: this.#rules,
      cacheSize: this.#cacheSize,
      next: plansOf(this.#next),
    }
  }

  async update(args: Args): Promise<void> {
    const rules = rulesOf(args.rule)
    this.#next = metricsReceivers(this.id, args.forward_to)
    this.#cacheSize = args.max_cache_size ?? 100_000
    if (!sameValue(rules, this.#rules)) {
      this.#rules = rules
      this.#ctx.setExports({ receiver: this.#receiver, rules: rulesCapsule(rules) })
    }
  }

  async stop(): Promise<void> {}
}

export const prometheusRelabel: ComponentDefinition<Args, NodeServices> = {
  name: 'prometheus.relabel',
  args: schema,
  async build(ctx, args) {
    return new Relabel(ctx, args)
  },
}
