import {
  type Block,
  type ConfigFile,
  type Diagnostic,
  type Expr,
  referencesOf,
  type Span,
  type Statement,
  stdlib,
} from '@sluice/config'
import type { ComponentDefinition } from './component.ts'
import type { ComponentRegistry } from './registry.ts'

/** Top-level blocks that configure the node itself rather than declare a component. */
export const SETTINGS_BLOCKS = new Set(['logging'])

/** One component declaration of a config file, with the components its arguments reference. */
export interface GraphNode<S> {
  readonly id: string
  readonly block: Block
  readonly definition: ComponentDefinition<Record<string, unknown>, S>
  readonly dependencies: ReadonlySet<string>
}

/** The components of a file in an order where every component comes after what it references. */
export interface ComponentGraph<S> {
  readonly nodes: ReadonlyMap<string, GraphNode<S>>
  readonly order: readonly string[]
  readonly settings: readonly Block[]
}

function error(message: string, span: Span): Diagnostic {
  return { severity: 'error', message, span }
}

function* expressionsOf(body: readonly Statement[]): Generator<{ expr: Expr; span: Span }> {
  for (const statement of body) {
    if (statement.kind === 'attribute') yield { expr: statement.value, span: statement.value.span }
    else yield* expressionsOf(statement.body)
  }
}

/** The id of the longest component-id prefix of a reference path, if any. */
function referencedComponent(path: readonly string[], ids: ReadonlySet<string>): string | undefined {
  for (let i = path.length; i > 0; i--) {
    const id = path.slice(0, i).join('.')
    if (ids.has(id)) return id
  }
  return undefined
}

/**
 * Builds the component graph of a parsed file. Unknown components, duplicate ids, references to
 * nothing and reference cycles are reported together as diagnostics, as Alloy does.
 */
export function buildGraph<S>(
  file: ConfigFile,
  registry: ComponentRegistry<S>,
): { graph: ComponentGraph<S>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const declared: {
    id: string
    block: Block
    definition: ComponentDefinition<Record<string, unknown>, S>
  }[] = []
  const settings: Block[] = []
  const seen = new Map<string, Block>()

  for (const statement of file.body) {
    if (statement.kind === 'attribute') {
      diagnostics.push(error(`unrecognized attribute name "${statement.name}"`, statement.span))
      continue
    }
    if (SETTINGS_BLOCKS.has(statement.name)) {
      if (statement.label !== undefined)
        diagnostics.push(error(`block ${statement.name} does not support labels`, statement.span))
      else settings.push(statement)
      continue
    }
    const definition = registry.get(statement.name)
    if (!definition) {
      diagnostics.push(error(`unrecognized block name "${statement.name}"`, statement.span))
      continue
    }
    const labelled = definition.labelled ?? true
    if (labelled && statement.label === undefined) {
      diagnostics.push(error(`component "${statement.name}" must have a label`, statement.span))
      continue
    }
    if (!labelled && statement.label !== undefined) {
      diagnostics.push(error(`component "${statement.name}" does not support labels`, statement.span))
      continue
    }
    const id = statement.label === undefined ? statement.name : `${statement.name}.${statement.label}`
    const previous = seen.get(id)
    if (previous) {
      diagnostics.push(
        error(
          `block ${id} already declared at ${previous.span.file}:${previous.span.start.line}:${previous.span.start.column}`,
          statement.span,
        ),
      )
      continue
    }
    seen.set(id, statement)
    declared.push({ id, block: statement, definition })
  }

  const ids = new Set(declared.map((d) => d.id))
  const nodes = new Map<string, GraphNode<S>>()
  for (const { id, block, definition } of declared) {
    const dependencies = new Set<string>()
    for (const { expr, span } of expressionsOf(block.body)) {
      for (const path of referencesOf(expr)) {
        const target = referencedComponent(path, ids)
        if (target !== undefined) {
          if (target === id) diagnostics.push(error(`component ${id} references itself`, span))
          else dependencies.add(target)
        } else if (stdlib.lookup(path) === undefined) {
          diagnostics.push(error(`component "${path.join('.')}" does not exist or is out of scope`, span))
        }
      }
    }
    nodes.set(id, { id, block, definition, dependencies })
  }

  const order = topologicalOrder(nodes, diagnostics)
  return { graph: { nodes, order, settings }, diagnostics }
}

/** Kahn's algorithm in declaration order, so the order is stable; what is left over is a cycle. */
function topologicalOrder<S>(nodes: ReadonlyMap<string, GraphNode<S>>, diagnostics: Diagnostic[]): string[] {
  const pending = new Map<string, number>()
  const dependents = new Map<string, string[]>()
  for (const node of nodes.values()) {
    pending.set(node.id, node.dependencies.size)
    for (const dep of node.dependencies) dependents.set(dep, [...(dependents.get(dep) ?? []), node.id])
  }
  const order: string[] = []
  const ready = [...nodes.keys()].filter((id) => pending.get(id) === 0)
  while (ready.length > 0) {
    const id = ready.shift()!
    order.push(id)
    for (const next of dependents.get(id) ?? []) {
      const left = pending.get(next)! - 1
      pending.set(next, left)
      if (left === 0) ready.push(next)
    }
  }
  if (order.length < nodes.size) {
    const cyclic = [...nodes.keys()].filter((id) => !order.includes(id))
    for (const id of cyclic) {
      diagnostics.push(
        error(
          `cycle detected: ${id} is part of a reference cycle (${cyclic.join(', ')})`,
          nodes.get(id)!.block.span,
        ),
      )
    }
  }
  return order
}
