import type { ComponentDefinition } from './component.ts'

/** Component definitions by Alloy name. */
export class ComponentRegistry<S = unknown> {
  readonly #definitions = new Map<string, ComponentDefinition<never, S>>()

  register<A>(definition: ComponentDefinition<A, S>): this {
    if (this.#definitions.has(definition.name))
      throw new Error(`component ${definition.name} registered twice`)
    this.#definitions.set(definition.name, definition as ComponentDefinition<never, S>)
    return this
  }

  get(name: string): ComponentDefinition<Record<string, unknown>, S> | undefined {
    return this.#definitions.get(name) as ComponentDefinition<Record<string, unknown>, S> | undefined
  }

  names(): string[] {
    return [...this.#definitions.keys()].sort()
  }
}
