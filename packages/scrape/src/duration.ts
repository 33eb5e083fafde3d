import { BadDurationError } from './errors.ts'

const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
}

// Prometheus durations: one or more `<integer><unit>` terms, largest unit first (model.ParseDuration).
const TERM = /(\d+)(ms|y|w|d|h|m|s)/y

/**
 * Parses a Prometheus duration (`15s`, `1m30s`, `500ms`, `1h`) into milliseconds. Targets may carry
 * their own `__scrape_interval__` / `__scrape_timeout__` in this form.
 */
export function parseDurationMs(text: string): number {
  if (text === '0') return 0
  let total = 0
  let pos = 0
  while (pos < text.length) {
    TERM.lastIndex = pos
    const m = TERM.exec(text)
    if (m === null) break
    total += Number(m[1]) * UNIT_MS[m[2]!]!
    pos = TERM.lastIndex
  }
  if (pos === 0 || pos !== text.length) {
    throw new BadDurationError(text)
  }
  return total
}

/** Formats milliseconds the way Prometheus prints a duration label (`1m`, `10s`, `1m30s`, `250ms`). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s'
  let rest = Math.round(ms)
  let out = ''
  for (const unit of ['y', 'w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit]!
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`
      rest %= size
    }
  }
  return out
}
