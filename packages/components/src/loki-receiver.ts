import { Capsule } from '@sluice/config'
import { SluiceError } from '@sluice/contracts'
import type { LokiStream } from '@sluice/wire'

/**
 * What `forward_to` lists for logs. Logs are not run through the worker pool (push bodies are small
 * and the per-entry work is a label merge), so a receiver takes decoded streams on the main thread and
 * resolves once they are durable (in a WAL) downstream.
 */
export interface LogsReceiver {
  readonly id: string
  /** Takes streams (labels sorted by name); resolves when every entry is durable, rejects otherwise. */
  appendStreams(streams: readonly LokiStream[]): Promise<void>
}

/** The capsule type name Alloy shows for logs receivers. */
export const LOGS_RECEIVER_TYPE = 'loki.LogsReceiver'

export function logsReceiverCapsule(receiver: LogsReceiver): Capsule {
  return new Capsule(LOGS_RECEIVER_TYPE, receiver)
}

/** Unwraps a decoded `forward_to` list, rejecting anything that is not a logs receiver. */
export function logsReceivers(component: string, value: unknown): LogsReceiver[] {
  if (!Array.isArray(value))
    throw new SluiceError('SLUICE_ERR_CONFIG', `${component}: forward_to must be a list of logs receivers`, {
      status: 400,
    })
  return value.map((item, i) => {
    if (item instanceof Capsule && item.typeName === LOGS_RECEIVER_TYPE) return item.value as LogsReceiver
    const got = item instanceof Capsule ? item.typeName : typeof item
    throw new SluiceError(
      'SLUICE_ERR_CONFIG',
      `${component}: forward_to[${i}] is not a logs receiver (got ${got}, want ${LOGS_RECEIVER_TYPE})`,
      {
        status: 400,
      },
    )
  })
}

/**
 * Hands the same streams to every receiver and resolves once all have them durable. Any failure
 * rejects, so the sender is told to retry the whole push (receivers that succeeded get it twice:
 * delivery is at least once).
 */
export async function fanOut(
  receivers: readonly LogsReceiver[],
  streams: readonly LokiStream[],
): Promise<void> {
  if (streams.length === 0) return
  const settled = await Promise.allSettled(receivers.map((r) => r.appendStreams(streams)))
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
}

/** Entries in a list of streams. */
export function entryCount(streams: readonly LokiStream[]): number {
  let n = 0
  for (const s of streams) n += s.entries.length
  return n
}
