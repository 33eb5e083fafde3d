import type { ConfigFile, Expr } from './ast.ts'
import { ConfigError } from './diagnostics.ts'
import { parse } from './parser.ts'
import { LineIndex } from './position.ts'
import { Printer } from './printer/printer.ts'
import { tabwrite } from './printer/tabwriter.ts'
import { trim } from './printer/trimmer.ts'
import { Walker } from './printer/walker.ts'

/** Prints a parsed file canonically, without the final newline (Alloy's printer.Fprint). */
export function printFile(file: ConfigFile): string {
  const p = new Printer(new LineIndex(file.source, file.file), file.comments)
  new Walker(p).statements(file.body)
  p.finish()
  return trim(tabwrite(p.output))
}

/**
 * Prints an expression canonically, as Alloy does in messages. The expression must come from
 * `source` (positions decide its line breaks); comments are not printed.
 */
export function printExpr(expr: Expr, source: string): string {
  const p = new Printer(new LineIndex(source, expr.span.file), [])
  new Walker(p).expr(expr)
  p.finish()
  return trim(tabwrite(p.output))
}

/**
 * The canonical form of an Alloy file: byte for byte what `alloy fmt` prints, final newline
 * included. Throws ConfigError when the file does not parse. Sluice tolerates one thing Alloy
 * rejects — a multi-line list without a trailing comma — and its output adds the comma, so the
 * result always parses with Alloy too.
 */
export function format(source: string, file: string): string {
  const parsed = parse(source, file)
  try {
    return `${printFile(parsed)}\n`
  } catch (err) {
    if (err instanceof ConfigError) throw err
    const message = err instanceof Error ? err.message : String(err)
    throw new ConfigError([
      {
        severity: 'error',
        message: `internal printer error: ${message}`,
        span: new LineIndex(source, file).span(0, 0),
      },
    ])
  }
}
