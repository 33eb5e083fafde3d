/**
 * The wait a `Retry-After` header asks for, in milliseconds: either delay-seconds or an HTTP date
 * (RFC 9110 section 10.2.3). `undefined` when absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim()
  if (value === undefined || value === '') return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  // Every HTTP date form names its month; this keeps Date.parse's loose guesses ("-5") out.
  if (!/[a-z]{3}/i.test(value)) return undefined
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
