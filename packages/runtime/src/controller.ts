import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  type Block,
  Capsule,
  ConfigError,
  type ConfigFile,
  type Diagnostic,
  decodeBody,
  parse,
  referencesOf,
  type Scope,
  type Span,
  type Statement,
  stdlib,
  type Value,
} from '@sluice/config'
import { Gauge, type Logger, type Registry } from '@sluice/telemetry'
import type { Component, ComponentContext, ComponentDefinition, Health } from './component.ts'
import { ComponentError } from './errors.ts'
import { buildGraph, type ComponentGraph } from './graph.ts'
import type { ComponentRegistry } from './registry.ts'

/** What the status page and `/-/ready` read about one running component. */
export interface ComponentStatus {
  id: string
  name: string
  health: Health
  started: boolean
  dependencies: string[]
}

class Running<S> {
  readonly id: string
  readonly definition: ComponentDefinition<Record<string, unknown>, S>
  block: Block
  dependencies: ReadonlySet<string>
  args: Record<string, unknown>
  exports: Record<string, unknown> = {}
  health: Health = { state: 'unknown', message: 'building', updatedAt: Date.now() }
  instance: Component<Record<string, unknown>> | undefined = undefined
  started = false

  constructor(
    id: string,
    definition: ComponentDefinition<Record<string, unknown>, S>,
    block: Block,
    dependencies: ReadonlySet<string>,
    args: Record<string, unknown>,
  ) {
    this.id = id
    this.definition = definition
    this.block = block
    this.dependencies = dependencies
    this.args = args
  }
}

/** Settings read from top-level blocks that configure the node rather than a component. */
export interface NodeSettings {
  logging: { level: string; format: string }
}

/**
 * Loads a config file into running components and keeps them in step with it: evaluates in
 * dependency order, re-evaluates dependents when exports change, and applies reloads so that
 * components whose arguments did not change keep running untouched.
 */
export class Controller<S> {
  readonly #registry: ComponentRegistry<S>
  readonly #services: S
  readonly #logger: Logger
  readonly #metrics: Registry
  readonly #dataPath: string
  #graph: ComponentGraph<S> | undefined
  #running = new Map<string, Running<S>>()
  #settings: NodeSettings = { logging: { level: 'info', format: 'logfmt' } }
  /** Serialises loads and export propagation, so that a reload never interleaves with an update. */
  #queue: Promise<unknown> = Promise.resolve()
  readonly #healthGauge: Gauge

  constructor(options: {
    registry: ComponentRegistry<S>
    services: S
    logger: Logger
    metrics: Registry
    dataPath: string
  }) {
    this.#registry = options.registry
    this.#services = options.services
    this.#logger = options.logger
    this.#metrics = options.metrics
    this.#dataPath = options.dataPath
    this.#healthGauge = new Gauge({
      name: 'sluice_component_healthy',
      help: 'Whether a component reports itself healthy (1) or not (0).',
      labelNames: ['component'],
      registers: [options.metrics],
    })
  }

  get settings(): NodeSettings {
    return this.#settings
  }

  /**
   * Applies a config: the first call builds everything, later calls are reloads. A file with errors
   * is rejected as a whole with a ConfigError and the running components are left as they were.
   */
  apply(source: string, file: string): Promise<void> {
    const run = this.#queue.then(() => this.#apply(source, file))
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** Stops every component, dependents first. */
  stop(): Promise<void> {
    const run = this.#queue.then(async () => {
      const order = this.#graph ? [...this.#graph.order].reverse() : [...this.#running.keys()].reverse()
      for (const id of order) await this.#stopOne(id)
      this.#graph = undefined
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** True when every component of the current config has started. */
  ready(): boolean {
    return this.#graph !== undefined && [...this.#running.values()].every((r) => r.started)
  }

  status(): ComponentStatus[] {
    return [...this.#running.values()].map((r) => ({
      id: r.id,
      name: r.definition.name,
      health: r.health,
      started: r.started,
      dependencies: [...r.dependencies],
    }))
  }

  /** Parses and checks a file against the registry without running anything (`sluice validate`). */
  static validate<S>(source: string, file: string, registry: ComponentRegistry<S>): Diagnostic[] {
    let parsed: ConfigFile
    try {
      parsed = parse(source, file)
    } catch (err) {
      if (err instanceof ConfigError) return err.diagnostics
      throw err
    }
    const { graph, diagnostics } = buildGraph(parsed, registry)
    // Arguments that reference other components cannot be evaluated without running them: they
    // evaluate to a placeholder here and their type errors are left to `run`.
    const unresolved = new Capsule('unresolved', undefined)
    const scope: Scope = { lookup: (path) => stdlib.lookup(path) ?? unresolved }
    for (const id of graph.order) {
      const node = graph.nodes.get(id)!
      const referencing = [...referencingSpans(node.block.body)]
      const result = decodeBody(node.block.body, node.definition.args, scope, { file, span: node.block.span })
      const relevant = result.diagnostics.filter(
        (d) =>
          !referencing.some(
            (span) => d.span.start.offset >= span.start.offset && d.span.end.offset <= span.end.offset,
          ),
      )
      diagnostics.push(...relevant)
      if (result.diagnostics.length === 0 && node.definition.validate) {
        for (const message of node.definition.validate(result.value)) {
          diagnostics.push({ severity: 'error', message, span: node.block.span })
        }
      }
    }
    return diagnostics
  }

  async #apply(source: string, file: string): Promise<void> {
    const parsed = parse(source, file)
    const { graph, diagnostics } = buildGraph(parsed, this.#registry)
    const settings = readSettings(graph, diagnostics, file)
    if (diagnostics.length > 0) throw new ConfigError(diagnostics)

    const previous = this.#graph
    const created: string[] = []
    try {
      for (const id of graph.order) {
        const node = graph.nodes.get(id)!
        const args = this.#evaluate(node.block, node.definition, file)
        const existing = this.#running.get(id)
        if (existing && existing.definition === node.definition) {
          existing.block = node.block
          existing.dependencies = node.dependencies
          if (!sameValue(existing.args, args)) {
            existing.args = args
            await this.#update(existing)
          }
          continue
        }
        if (existing) await this.#stopOne(id)
        const running = new Running(id, node.definition, node.block, node.dependencies, args)
        this.#running.set(id, running)
        created.push(id)
        await this.#build(running)
      }
    } catch (err) {
      // Leave the node as it was: drop what this attempt created. Components updated in place keep
      // their new arguments; the next successful apply evaluates them again.
      for (const id of created.reverse()) await this.#stopOne(id)
      if (previous) this.#graph = previous
      throw err
    }

    const removed = previous ? [...previous.order].reverse().filter((id) => !graph.nodes.has(id)) : []
    for (const id of removed) await this.#stopOne(id)
    this.#graph = graph
    this.#settings = settings
    for (const id of graph.order) {
      const running = this.#running.get(id)!
      if (running.started) continue
      try {
        await running.instance!.start?.()
        running.started = true
        if (running.health.state === 'unknown') this.#setHealth(running, 'healthy', 'started')
      } catch (err) {
        this.#setHealth(running, 'unhealthy', `start failed: ${(err as Error).message}`)
        throw new ComponentError(id, `start failed: ${(err as Error).message}`, err)
      }
    }
    this.#logger.info(
      { components: graph.order.length, created: created.length, removed: removed.length },
      'config applied',
    )
  }

  #evaluate(
    block: Block,
    definition: ComponentDefinition<Record<string, unknown>, S>,
    file: string,
  ): Record<string, unknown> {
    const result = decodeBody(block.body, definition.args, this.#scope(), { file, span: block.span })
    const diagnostics = [...result.diagnostics]
    if (diagnostics.length === 0 && definition.validate) {
      for (const message of definition.validate(result.value))
        diagnostics.push({ severity: 'error', message, span: block.span })
    }
    if (diagnostics.length > 0) throw new ConfigError(diagnostics)
    return result.value
  }

  #scope(): Scope {
    return {
      lookup: (path) => {
        for (let i = path.length; i > 0; i--) {
          const running = this.#running.get(path.slice(0, i).join('.'))
          if (running) return walk(running.exports, path.slice(i))
        }
        return stdlib.lookup(path)
      },
    }
  }

  async #build(running: Running<S>): Promise<void> {
    const dataPath = join(this.#dataPath, running.id)
    mkdirSync(dataPath, { recursive: true })
    const ctx: ComponentContext<S> = {
      id: running.id,
      logger: this.#logger.child({ component: running.id }),
      registry: this.#metrics,
      dataPath,
      services: this.#services,
      setExports: (exports) => {
        running.exports = exports
        if (running.instance) this.#propagate(running.id)
      },
      setHealth: (state, message) => this.#setHealth(running, state, message),
    }
    try {
      running.instance = await running.definition.build(ctx, running.args)
    } catch (err) {
      if (err instanceof ConfigError) throw err
      throw new ComponentError(running.id, `build failed: ${(err as Error).message}`, err)
    }
  }

  async #update(running: Running<S>): Promise<void> {
    try {
      await running.instance!.update(running.args)
    } catch (err) {
      this.#setHealth(running, 'unhealthy', `update failed: ${(err as Error).message}`)
      throw new ComponentError(running.id, `update failed: ${(err as Error).message}`, err)
    }
  }

  /** Re-evaluates every component that (transitively) references `id`, in dependency order. */
  #propagate(id: string): void {
    const run = this.#queue.then(async () => {
      const graph = this.#graph
      if (!graph) return
      const dirty = new Set([id])
      for (const other of graph.order) {
        const node = graph.nodes.get(other)!
        if (![...node.dependencies].some((d) => dirty.has(d))) continue
        const running = this.#running.get(other)
        if (!running?.instance) continue
        const args = this.#evaluate(node.block, node.definition, node.block.span.file)
        if (sameValue(running.args, args)) continue
        running.args = args
        await this.#update(running)
        dirty.add(other)
      }
    })
    this.#queue = run.catch((err) =>
      this.#logger.error({ err, component: id }, 're-evaluation after an export change failed'),
    )
  }

  async #stopOne(id: string): Promise<void> {
    const running = this.#running.get(id)
    if (!running) return
    this.#running.delete(id)
    this.#healthGauge.remove(id)
    try {
      await running.instance?.stop()
    } catch (err) {
      this.#logger.error({ err, component: id }, 'component stop failed')
    }
  }

  #setHealth(running: Running<S>, state: Health['state'], message: string): void {
    running.health = { state, message, updatedAt: Date.now() }
    this.#healthGauge.set({ component: running.id }, state === 'healthy' ? 1 : 0)
  }
}

/** Spans of attribute values that reference something outside the standard library. */
function* referencingSpans(body: readonly Statement[]): Generator<Span> {
  for (const statement of body) {
    if (statement.kind === 'block') yield* referencingSpans(statement.body)
    else if (referencesOf(statement.value).some((path) => stdlib.lookup(path) === undefined))
      yield statement.value.span
  }
}

function walk(value: unknown, path: readonly string[]): Value | undefined {
  let current: unknown = value
  for (const key of path) {
    if (current === null || typeof current !== 'object' || current instanceof Capsule) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current as Value | undefined
}

/** Structural equality of decoded arguments; capsules and functions compare by identity. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b)
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (a instanceof Capsule || b instanceof Capsule) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((v, i) => sameValue(v, bb[i]))
  }
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return (
    ka.length === kb.length &&
    ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  )
}

const LOGGING_SCHEMA = {
  attrs: {
    level: { type: 'string' as const, default: 'info' },
    format: { type: 'string' as const, default: 'logfmt' },
  },
}

function readSettings<S>(graph: ComponentGraph<S>, diagnostics: Diagnostic[], file: string): NodeSettings {
  const settings: NodeSettings = { logging: { level: 'info', format: 'logfmt' } }
  for (const block of graph.settings) {
    if (block.name === 'logging') {
      const result = decodeBody(block.body, LOGGING_SCHEMA, stdlib, { file })
      diagnostics.push(...result.diagnostics)
      const level = String(result.value.level)
      if (!['debug', 'info', 'warn', 'error'].includes(level)) {
        diagnostics.push({
          severity: 'error',
          message: `logging: unknown level "${level}" (debug, info, warn, error)`,
          span: block.span,
        })
      }
      settings.logging = { level, format: String(result.value.format) }
    }
  }
  return settings
}
