import { SluiceError } from '@sluice/contracts'

/** A component failed to build, start or update; the message names the component. */
export class ComponentError extends SluiceError {
  readonly component: string
  constructor(component: string, message: string, cause?: unknown) {
    super('SLUICE_ERR_COMPONENT', `${component}: ${message}`, { status: 500, cause })
    this.component = component
  }
}
