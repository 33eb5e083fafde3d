import fc from 'fast-check'

/** Random but valid Alloy sources with varied layout: spacing, blank lines, comments, nesting. */

const gap = fc.constantFrom(' ', '', '  ', '\t')
const ownLineEnd = ['\n', '\n', '\n\n', '\n\n\n', '\n// own line\n', '\n/* block\n   comment */\n']
const ident = fc.constantFrom('a', 'url', 'forward_to', 'listen_port', 'x1', 'a_very_long_attribute_name')
const leaf = fc.constantFrom(
  '1',
  '2.5',
  '.5',
  '1e3',
  '"str"',
  '"esc\\n\\t\\""',
  '`raw`',
  '`raw\nmulti`',
  'true',
  'null',
  'prometheus.remote_write.default.receiver',
  'x',
  '-3',
  '!false',
)

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .tuple(
        fc.array(tie('expr'), { maxLength: 3 }),
        fc.constantFrom(', ', ',\n', ','),
        fc.constantFrom('', ',', ',\n'),
      )
      .map(([els, sep, tail]) => `[${els.join(sep)}${els.length > 0 ? tail : ''}]`),
    fc
      .tuple(
        fc.array(fc.tuple(fc.constantFrom('k', 'long_key', '"quoted key"'), tie('expr')), { maxLength: 3 }),
        fc.constantFrom(', ', ',\n'),
        fc.constantFrom('', ',', ',\n'),
      )
      .map(
        ([fs, sep, tail]) => `{${fs.map(([k, v]) => `${k} = ${v}`).join(sep)}${fs.length > 0 ? tail : ''}}`,
      ),
    fc
      .tuple(tie('expr'), fc.constantFrom(' + ', '*', ' || ', ' == ', ' ^ ', ' - ', ' % '), tie('expr'))
      .map(([l, op, r]) => `${l}${op}${r}`),
    tie('expr').map((e) => `(${e})`),
    fc
      .tuple(
        fc.constantFrom('f', 'sys.env', 'string.format'),
        fc.array(tie('expr'), { minLength: 1, maxLength: 3 }),
      )
      .chain(([fn, args]) => fc.constantFrom(`${fn}(${args.join(', ')})`, `${fn}(\n${args.join(',\n')},\n)`)),
    fc.tuple(tie('expr'), tie('expr')).map(([v, i]) => `${v}[${i}]`),
  ),
}))

const attribute = fc
  .tuple(ident, fc.constantFrom(' = ', '=', '    = '), expr)
  .map(([n, eq, v]) => `${n}${eq}${v}`)

function body(depth: number, trailing: boolean): fc.Arbitrary<string> {
  const lineEnd = fc.constantFrom(...ownLineEnd, ...(trailing ? [' // note\n', ' /* note */\n'] : []))
  const open = fc.constantFrom('', '\n', ...(trailing ? [' // c\n'] : []))
  const stmt: fc.Arbitrary<string> =
    depth >= 2
      ? attribute
      : fc.oneof(
          attribute,
          fc
            .tuple(
              fc.constantFrom('blk', 'prometheus.remote_write', 'endpoint'),
              fc.constantFrom('', ' "lbl"'),
              open,
              fc.constant(null).chain(() => body(depth + 1, trailing)),
            )
            .map(([name, label, open, inner]) => `${name}${label} {${open}${inner}}`),
        )
  return fc
    .array(fc.tuple(gap, stmt, lineEnd), { maxLength: 5 })
    .map((stmts) => stmts.map(([g, s, end]) => `${g}${s}${end}`).join(''))
}

/**
 * A whole file. Comments sit on their own lines unless `trailing` is set: comments after code on
 * the same line are where alloy fmt itself may need two passes to settle.
 */
export function alloySource(trailing = true): fc.Arbitrary<string> {
  return body(0, trailing)
}

/** A valid file with a few random edits (deletions, insertions of syntax characters). */
export const mutatedSource: fc.Arbitrary<string> = fc
  .tuple(
    alloySource(),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('', '{', '}', '"', '=', ',', '\n', '[', '/*', '`', '\\', '.', '1e', "'", '|', '\0'),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([src, edits]) => {
    let s = src
    for (const [at, text] of edits) {
      const i = s.length === 0 ? 0 : at % (s.length + 1)
      s = text === '' ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + text + s.slice(i)
    }
    return s
  })
