import { SluiceError } from '@sluice/contracts'
import type { Span } from './position.ts'

/** One problem found in a configuration, located by its span. */
export interface Diagnostic {
  severity: 'error' | 'warning'
  message: string
  span: Span
}

/**
 * A configuration that cannot be used: every error diagnostic found in one pass. The message
 * follows Alloy's (`file:line:col: message (and N more diagnostics)`); render the full list with
 * {@link renderDiagnostics}.
 */
export class ConfigError extends SluiceError {
  readonly diagnostics: Diagnostic[]

  constructor(diagnostics: Diagnostic[]) {
    super('SLUICE_ERR_CONFIG', summarize(diagnostics), { status: 400 })
    this.diagnostics = diagnostics
  }
}

function summarize(diagnostics: Diagnostic[]): string {
  const first = diagnostics[0]
  if (first === undefined) return 'invalid configuration'
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more diagnostics)` : ''
  return `${location(first.span)}: ${first.message}${more}`
}

/** `file:line:col`, or `line:col` for an unnamed file (as Alloy prints positions). */
export function location(span: Span): string {
  const where = `${span.start.line}:${span.start.column}`
  return span.file === '' ? where : `${span.file}:${where}`
}

/** Tabs take this many columns in rendered source lines, as in Alloy's diagnostic printer. */
const TAB_WIDTH = 4

/**
 * Renders diagnostics the way Alloy's CLI does, without colours: a header `file:line:col: message`
 * (warnings say `warning:` before the message), then the source line with its number and a caret
 * line under the span. A span running over several lines is underlined to the end of its first line.
 * `sources` maps file names to their text; a bare string is the text of every file.
 */
export function renderDiagnostics(diagnostics: Diagnostic[], sources: Map<string, string> | string): string {
  const blocks: string[] = []
  for (const d of diagnostics) {
    const severity = d.severity === 'warning' ? 'warning: ' : ''
    const lines = [`${location(d.span)}: ${severity}${d.message}`]
    const source = typeof sources === 'string' ? sources : sources.get(d.span.file)
    const text = source?.split('\n')[d.span.start.line - 1]
    if (text !== undefined) {
      const line = text.replace(/\r$/, '')
      const gutter = String(d.span.start.line)
      const startCol = d.span.start.column
      const endCol = d.span.end.line === d.span.start.line ? d.span.end.column : line.length + 1
      let pad = ''
      let carets = ''
      for (let col = 1; col <= Math.max(line.length, startCol); col++) {
        const ch = line[col - 1]
        const width = ch === '\t' ? TAB_WIDTH : 1
        if (col < startCol) pad += ' '.repeat(width)
        else if (col < endCol || col === startCol) carets += '^'.repeat(width)
      }
      lines.push(`${gutter} | ${line.replaceAll('\t', ' '.repeat(TAB_WIDTH))}`)
      lines.push(`${' '.repeat(gutter.length)} | ${pad}${carets}`)
    }
    blocks.push(`${lines.join('\n')}\n`)
  }
  return blocks.join('')
}
