import { quote } from './quote.ts'

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
}

/**
 * A sequence of `<decimal><unit>` terms, the grammar shared by Go's time.ParseDuration and
 * alecthomas/units (which Alloy uses for byte sizes). Returns the sum in base units, or a reason.
 */
function parseTerms(
  text: string,
  units: Record<string, number>,
  what: { prefix: string; kind: string },
): number | string {
  const q = what.kind === 'duration' ? quote(text) : text
  const invalid = `${what.prefix}invalid ${what.kind === 'duration' ? 'duration ' : ''}${q}`
  let s = text
  let negative = false
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') return invalid
  let total = 0
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!
    const [num, whole = '', frac] = m
    if (whole === '' && (frac === undefined || frac === '')) return invalid
    s = s.slice(num.length)
    const unitMatch = /^[^\d.]*/.exec(s)!
    const unit = unitMatch[0]
    if (unit === '') return `${what.prefix}missing unit in ${what.kind === 'duration' ? 'duration ' : ''}${q}`
    const scale = units[unit]
    if (scale === undefined) {
      return what.kind === 'duration'
        ? `${what.prefix}unknown unit ${quote(unit)} in duration ${q}`
        : `${what.prefix}unknown unit ${unit} in ${q}`
    }
    s = s.slice(unit.length)
    total += Number(`${whole || '0'}.${frac ?? '0'}`) * scale
  }
  return negative ? -total : total
}

/**
 * Go's time.ParseDuration (`"1m30s"`, `"500ms"`, `"1.5h"`), in milliseconds; the error text is Go's
 * (`time: unknown unit "d" in duration "1d"`).
 */
export function parseDuration(text: string): { ms: number } | { error: string } {
  const r = parseTerms(text, DURATION_UNITS, { prefix: 'time: ', kind: 'duration' })
  return typeof r === 'string' ? { error: r } : { ms: r / 1e6 }
}

function unitMap(suffix: string): Record<string, number> {
  const map: Record<string, number> = { B: 1 }
  let scale = 1
  for (const p of ['K', 'M', 'G', 'T', 'P', 'E']) {
    scale *= 1024
    map[p + suffix] = scale
  }
  return map
}

const IEC = unitMap('iB')
const LEGACY = unitMap('B')

/**
 * A byte size as Alloy reads `units.Base2Bytes`: `"32MiB"`, `"1.5GiB"`, `"512B"`; the older `KB`,
 * `MB`, ... spellings are also powers of 1024.
 */
export function parseBytes(text: string): { bytes: number } | { error: string } {
  let r = parseTerms(text, IEC, { prefix: 'units: ', kind: 'bytes' })
  if (typeof r === 'string') r = parseTerms(text, LEGACY, { prefix: 'units: ', kind: 'bytes' })
  return typeof r === 'string' ? { error: r } : { bytes: Math.round(r) }
}
