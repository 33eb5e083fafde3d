import { type Label, sortLabels } from '@sluice/contracts'
import { DecodeError } from './errors.ts'

/**
 * The text form of a label set, `{name="value", ...}`, as Loki's push protobuf carries stream labels.
 * Values are quoted the way Go's strconv.Quote writes them (Prometheus' `labels.String()`), and
 * double-quoted or back-quoted strings with Go escapes are read.
 */

const NAME_START = /[a-zA-Z_]/
const NAME_CHAR = /[a-zA-Z0-9_]/
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
}

class Cursor {
  readonly s: string
  i: number

  constructor(s: string) {
    this.s = s
    this.i = 0
  }

  fail(what: string): never {
    throw new DecodeError(`label set ${JSON.stringify(this.s)}: ${what} at offset ${this.i}`)
  }

  skipSpace(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++
  }

  expect(ch: string): void {
    this.skipSpace()
    if (this.s[this.i] !== ch) this.fail(`expected '${ch}'`)
    this.i++
  }
}

function readName(c: Cursor): string {
  c.skipSpace()
  const start = c.i
  if (!NAME_START.test(c.s[c.i] ?? '')) c.fail('expected a label name')
  c.i++
  while (c.i < c.s.length && NAME_CHAR.test(c.s[c.i]!)) c.i++
  return c.s.slice(start, c.i)
}

function readHex(c: Cursor, digits: number): number {
  const hex = c.s.slice(c.i, c.i + digits)
  if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) c.fail('bad hex escape')
  c.i += digits
  return Number.parseInt(hex, 16)
}

function readQuoted(c: Cursor): string {
  c.skipSpace()
  const quote = c.s[c.i]
  if (quote === '`') {
    const close = c.s.indexOf('`', c.i + 1)
    if (close < 0) c.fail('unterminated raw string')
    const v = c.s.slice(c.i + 1, close)
    c.i = close + 1
    return v
  }
  if (quote !== '"') c.fail('expected a quoted value')
  c.i++
  let out = ''
  // \x and octal escapes are bytes in Go; they are gathered and decoded as UTF-8 together.
  let bytes: number[] = []
  const flush = (): void => {
    if (bytes.length > 0) {
      out += new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(bytes))
      bytes = []
    }
  }
  for (;;) {
    if (c.i >= c.s.length) c.fail('unterminated string')
    const ch = c.s[c.i++]!
    if (ch === '"') break
    if (ch !== '\\') {
      flush()
      out += ch
      continue
    }
    const e = c.s[c.i++] ?? ''
    if (e === 'x') {
      bytes.push(readHex(c, 2))
      continue
    }
    if (e >= '0' && e <= '7') {
      const oct = e + c.s.slice(c.i, c.i + 2)
      if (!/^[0-7]{3}$/.test(oct) || Number.parseInt(oct, 8) > 255) c.fail('bad octal escape')
      c.i += 2
      bytes.push(Number.parseInt(oct, 8))
      continue
    }
    flush()
    if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e]
    else if (e === 'u') out += String.fromCodePoint(readHex(c, 4))
    else if (e === 'U') {
      const cp = readHex(c, 8)
      if (cp > 0x10ffff) c.fail('code point out of range')
      out += String.fromCodePoint(cp)
    } else c.fail(`unknown escape \\${e}`)
  }
  flush()
  return out
}

/** Parses `{name="value", ...}` into labels sorted by name. Duplicate names are an error. */
export function parseLabelSet(text: string): Label[] {
  const c = new Cursor(text)
  c.expect('{')
  const labels: Label[] = []
  c.skipSpace()
  if (c.s[c.i] === '}') c.i++
  else {
    for (;;) {
      const name = readName(c)
      c.expect('=')
      labels.push({ name, value: readQuoted(c) })
      c.skipSpace()
      const sep = c.s[c.i++]
      if (sep === '}') break
      if (sep !== ',') c.fail("expected ',' or '}'")
    }
  }
  c.skipSpace()
  if (c.i !== c.s.length) c.fail('trailing characters')
  sortLabels(labels)
  for (let i = 1; i < labels.length; i++) {
    if (labels[i]!.name === labels[i - 1]!.name) c.fail(`duplicate label ${labels[i]!.name}`)
  }
  return labels
}

function quote(v: string): string {
  let out = '"'
  for (const ch of v) {
    const cp = ch.codePointAt(0)!
    if (ch === '"' || ch === '\\') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd'
    else out += ch
  }
  return `${out}"`
}

/** Formats labels as `{name="value", ...}` in the order given. */
export function formatLabelSet(labels: readonly Label[]): string {
  return `{${labels.map((l) => `${l.name}=${quote(l.value)}`).join(', ')}}`
}
