import { type Logger, pino } from 'pino'

export type { Logger }

/**
 * A structured JSON logger (pino) writing to stderr, so that stdout stays free for commands such as
 * `sluice fmt` whose output is data.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.SLUICE_LOG_LEVEL ?? 'info',
      base: options.name ? { name: options.name } : {},
    },
    pino.destination(2),
  )
}

/** A logger that discards everything, for tests and for components built without one. */
export const nullLogger: Logger = pino({ level: 'silent' })
