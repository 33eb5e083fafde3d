import { quote } from './quote.ts'
import { isObject, type Value } from './value.ts'

/** Go's type name of a value as fmt prints it in `%!verb(type=value)`. */
function goType(v: Value): string {
  if (v === null) return '<nil>'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (Array.isArray(v)) return '[]interface {}'
  if (isObject(v)) return 'map[string]interface {}'
  return typeof v === 'function' ? 'func' : 'capsule'
}

/** Go's `%v`: arrays as `[a b]`, objects as `map[k:v]` with sorted keys, floats shortest form. */
function plain(v: Value): string {
  if (v === null) return '<nil>'
  if (typeof v === 'number') return formatG(v)
  if (typeof v === 'string' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `[${v.map(plain).join(' ')}]`
  if (isObject(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${plain(v[k]!)}`)
      .join(' ')}]`
  }
  return typeof v === 'function' ? 'func' : '{capsule}'
}

/** Go's `%g`/`%v` for float64: shortest representation, exponent when below 1e-4 or at least 1e21. */
function formatG(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n)
  const s = String(n)
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s)
  if (m !== null) return `${m[1]}e${m[2]}${m[3]!.padStart(2, '0')}`
  if (Math.abs(n) < 1e-4 && n !== 0) {
    const [mant, exp] = n.toExponential().split('e') as [string, string]
    const sign = exp.startsWith('-') ? '-' : '+'
    return `${mant}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`
  }
  return s
}

function pad(s: string, width: number | undefined, left: boolean, zero: boolean): string {
  if (width === undefined || s.length >= width) return s
  if (left) return s.padEnd(width, ' ')
  if (zero) {
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : ''
    return sign + s.slice(sign.length).padStart(width - sign.length, '0')
  }
  return s.padStart(width, ' ')
}

/**
 * A subset of Go's fmt.Sprintf, as `string.format` needs: verbs `%s %v %d %f %e %g %q %t %x %X
 * %o %b %%`, flags `-+0 `, width and precision; wrong types and missing or extra arguments render
 * as Go does (`%!d(string=a)`, `%!s(MISSING)`, `%!(EXTRA int=1)`).
 */
export function sprintf(format: string, args: Value[]): string {
  let out = ''
  let argi = 0
  const verbRe = /%([-+ 0#]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])?/y
  for (let i = 0; i < format.length; ) {
    const pct = format.indexOf('%', i)
    if (pct === -1) {
      out += format.slice(i)
      break
    }
    out += format.slice(i, pct)
    verbRe.lastIndex = pct
    const m = verbRe.exec(format)!
    i = verbRe.lastIndex
    const [, flags = '', widthText, precText, verb] = m
    if (verb === undefined) {
      out += '%!(NOVERB)'
      continue
    }
    if (verb === '%') {
      out += '%'
      continue
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`
      continue
    }
    const arg = args[argi++]!
    const width = widthText === undefined ? undefined : Number(widthText)
    const prec = precText === undefined ? undefined : Number(precText || '0')
    const left = flags.includes('-')
    const zero = flags.includes('0') && !left
    const plus = flags.includes('+')
    const space = flags.includes(' ')
    const sign = (n: number, s: string) =>
      n >= 0 && !s.startsWith('-') ? (plus ? '+' : space ? ' ' : '') + s : s
    const bad = () => `%!${verb}(${goType(arg)}=${plain(arg)})`
    let s: string
    switch (verb) {
      case 'v':
        s = typeof arg === 'string' && flags.includes('#') ? quote(arg) : plain(arg)
        break
      case 's':
        s = typeof arg === 'string' ? arg : bad()
        if (typeof arg === 'string' && prec !== undefined) s = s.slice(0, prec)
        break
      case 'q':
        s = typeof arg === 'string' ? quote(arg) : bad()
        break
      case 't':
        s = typeof arg === 'boolean' ? String(arg) : bad()
        break
      case 'd':
      case 'x':
      case 'X':
      case 'o':
      case 'b': {
        if (typeof arg === 'string' && (verb === 'x' || verb === 'X')) {
          s = Buffer.from(arg, 'utf8').toString('hex')
          if (verb === 'X') s = s.toUpperCase()
          break
        }
        if (typeof arg !== 'number' || !Number.isInteger(arg)) {
          s = bad()
          break
        }
        const radix = verb === 'd' ? 10 : verb === 'o' ? 8 : verb === 'b' ? 2 : 16
        s = sign(arg, arg.toString(radix))
        if (verb === 'X') s = s.toUpperCase()
        break
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (typeof arg !== 'number') {
          s = bad()
          break
        }
        if (verb === 'f' || verb === 'F') s = arg.toFixed(prec ?? 6)
        else if (verb === 'e' || verb === 'E')
          s = arg.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2')
        else s = prec === undefined ? formatG(arg) : String(Number(arg.toPrecision(prec || 1)))
        if (verb === 'E' || verb === 'G') s = s.toUpperCase()
        s = sign(arg, s)
        break
      }
      default:
        s = bad()
    }
    out += pad(s, width, left, zero && verb !== 's' && verb !== 'q')
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => `${goType(a)}=${plain(a)}`)
      .join(', ')})`
  }
  return out
}
