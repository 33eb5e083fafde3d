import { Capsule } from '@sluice/config'
import { SluiceError } from '@sluice/contracts'
import type { StagePlan } from '@sluice/pipeline'

/**
 * What `forward_to` lists for metrics: a receiver that describes itself as a stage plan, so that a
 * push runs through the whole chain (relabel, relabel, remote_write...) in one worker task instead of
 * decoding and encoding again at every hop.
 */
export interface MetricsReceiver {
  readonly id: string
  plan(): StagePlan
}

/** The capsule type name Alloy shows for metrics receivers. */
export const METRICS_RECEIVER_TYPE = 'storage.Appendable'

export function receiverCapsule(receiver: MetricsReceiver): Capsule {
  return new Capsule(METRICS_RECEIVER_TYPE, receiver)
}

/** Unwraps a decoded `forward_to` list, rejecting anything that is not a metrics receiver. */
export function metricsReceivers(component: string, value: unknown): MetricsReceiver[] {
  if (!Array.isArray(value))
    throw new SluiceError('SLUICE_ERR_CONFIG', `${component}: forward_to must be a list of receivers`, {
      status: 400,
    })
  return value.map((item, i) => {
    if (item instanceof Capsule && item.typeName === METRICS_RECEIVER_TYPE)
      return item.value as MetricsReceiver
    throw new SluiceError('SLUICE_ERR_CONFIG', `${component}: forward_to[${i}] is not a metrics receiver`, {
      status: 400,
    })
  })
}

/** Plans of a forward_to list; a receiver whose component stopped is left out. */
export function plansOf(receivers: readonly MetricsReceiver[]): StagePlan[] {
  return receivers.map((r) => r.plan())
}
