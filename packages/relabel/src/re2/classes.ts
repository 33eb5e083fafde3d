/**
 * Character-class building blocks for the RE2 -> JS translation. Output targets the `v` flag, where
 * nested classes (`[a[^b]]`) are allowed and every non-alphanumeric character inside a class must be
 * escaped; emitting such characters as `\u{..}` is always legal there.
 */

type Ranges = readonly (readonly [number, number])[]

const DIGIT: Ranges = [[0x30, 0x39]]
/** RE2's `\s` is `[\t\n\f\r ]`: no `\v` and no Unicode spaces, unlike JS's `\s`. */
const SPACE: Ranges = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
]
const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
]

/** Perl escapes RE2 knows, all ASCII-only: `\d \D \s \S \w \W`. */
const PERL: Readonly<Record<string, Ranges>> = { d: DIGIT, s: SPACE, w: WORD }

/** POSIX classes as RE2 defines them (ASCII only). */
const POSIX: Readonly<Record<string, Ranges>> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: DIGIT,
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: WORD,
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
}

/** Unicode general categories Go's `unicode.Categories` offers to `\p{..}`. */
const CATEGORIES = new Set([
  'C',
  'Cc',
  'Cf',
  'Co',
  'Cs',
  'L',
  'LC',
  'Ll',
  'Lm',
  'Lo',
  'Lt',
  'Lu',
  'M',
  'Mc',
  'Me',
  'Mn',
  'N',
  'Nd',
  'Nl',
  'No',
  'P',
  'Pc',
  'Pd',
  'Pe',
  'Pf',
  'Pi',
  'Po',
  'Ps',
  'S',
  'Sc',
  'Sk',
  'Sm',
  'So',
  'Z',
  'Zl',
  'Zp',
  'Zs',
])

/** One code point as it may appear inside a `v`-mode class. */
export function classChar(cp: number): string {
  const isAlnum = (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)
  return isAlnum ? String.fromCodePoint(cp) : `\\u{${cp.toString(16)}}`
}

/** A range (or single code point) as class content. */
export function classRange(lo: number, hi: number): string {
  return lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`
}

function rangesContent(ranges: Ranges): string {
  let out = ''
  for (const [lo, hi] of ranges) out += classRange(lo, hi)
  return out
}

/**
 * Class content for a Perl escape letter (`d`, `D`, `s`, ...), or undefined when the letter is not one.
 * Negated forms are nested negated classes, valid inside another class under the `v` flag.
 */
export function perlClassContent(letter: string): string | undefined {
  const key = letter.toLowerCase()
  if (!Object.hasOwn(PERL, key)) return undefined
  const content = rangesContent(PERL[key]!)
  return letter === letter.toLowerCase() ? content : `[^${content}]`
}

/** Class content for a POSIX name like `alpha` or `^alpha`, or undefined when RE2 has no such class. */
export function posixClassContent(name: string): string | undefined {
  const negated = name.startsWith('^')
  const key = negated ? name.slice(1) : name
  if (!Object.hasOwn(POSIX, key)) return undefined
  const content = rangesContent(POSIX[key]!)
  return negated ? `[^${content}]` : content
}

/**
 * The JS property escape for an RE2 Unicode class name (`L`, `Greek`, `Any`), or undefined when neither
 * a general category, `Any`, nor a script JS knows. Script names go through `Script=` because JS reads a
 * bare `\p{Greek}` as a (non-existent) binary property.
 */
export function unicodeProperty(name: string, negated: boolean): string | undefined {
  let body: string
  if (name === 'Any' || CATEGORIES.has(name)) {
    body = name
  } else {
    if (!/^[A-Za-z_]+$/.test(name)) return undefined
    body = `Script=${name}`
    try {
      new RegExp(`\\p{${body}}`, 'v')
    } catch {
      return undefined
    }
  }
  return `\\${negated ? 'P' : 'p'}{${body}}`
}
