import type { Schema } from '@sluice/config'
import type { Logger, Registry } from '@sluice/telemetry'

/** How a component is doing, as shown on the status page and used by `/-/ready`. */
export interface Health {
  state: 'healthy' | 'unhealthy' | 'unknown'
  message: string
  updatedAt: number
}

/**
 * What the runtime hands a component. `S` is the host's services (worker pool, cluster, HTTP), typed
 * by the program that embeds the runtime so that the runtime itself stays independent of them.
 */
export interface ComponentContext<S = unknown> {
  /** The component's id as written in the config: `<name>.<label>`, e.g. `prometheus.remote_write.to_backend`. */
  readonly id: string
  readonly logger: Logger
  readonly registry: Registry
  /** A directory that belongs to this component alone, under `--storage.path`. */
  readonly dataPath: string
  readonly services: S
  /** Publishes new exports; components that reference them are re-evaluated. */
  setExports(exports: Record<string, unknown>): void
  setHealth(state: Health['state'], message: string): void
}

/** A running component. Arguments arrive decoded and typed by the definition's schema. */
export interface Component<A = Record<string, unknown>> {
  /** Called once after construction, in dependency order; the node is ready when every start resolved. */
  start?(): Promise<void>
  /** New arguments, after a reload or because something it references changed. */
  update(args: A): Promise<void>
  /** Stops taking work and releases resources; called in reverse dependency order. */
  stop(): Promise<void>
}

/** The contract a component implementation registers under its Alloy name. */
export interface ComponentDefinition<A = Record<string, unknown>, S = unknown> {
  /** Dotted Alloy name, e.g. `prometheus.remote_write`. */
  readonly name: string
  readonly args: Schema
  /** Blocks of this kind take a label (`prometheus.relabel "x" { }`); singletons such as `logging` do not. */
  readonly labelled?: boolean
  /**
   * Builds the component. Exports must be set (through `ctx.setExports`) before this resolves, so
   * that components referencing them can be evaluated.
   */
  build(ctx: ComponentContext<S>, args: A): Promise<Component<A>>
  /** Checks decoded arguments beyond what the schema can say; returns messages for `sluice validate`. */
  validate?(args: A): string[]
}
