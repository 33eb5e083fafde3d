/**
 * Elastic tabstops with the exact behaviour of Go's text/tabwriter as Alloy's printer configures it
 * (minwidth 0, tabwidth 8, padding 1, pad with spaces, DiscardEmptyColumns | TabIndent). Alloy's
 * alignment of `=` signs and trailing comments comes from this algorithm, so matching `alloy fmt`
 * byte for byte means reproducing it, quirks included:
 *
 * - a cell ends at `\t` or `\v`; a line ends at `\n` or `\f`; `\f` (and a line with a single cell)
 *   ends the block of lines whose columns are aligned together;
 * - a column is as wide as its widest cell plus one; leading empty cells ended by `\t` (indentation)
 *   are written as tabs;
 * - text between two ESCAPE characters is opaque (comments): its tabs and newlines do not make
 *   cells, and the escapes count for no width.
 */

/** Stands for Go's tabwriter.Escape (0xff). NUL is safe: the scanner rejects it, so no parsed source contains it. */
export const ESCAPE = '\0'

const TAB_WIDTH = 8
const PADDING = 1

interface Cell {
  size: number
  width: number
  htab: boolean
}

function runeCount(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xdc00 || c > 0xdfff) n++
  }
  return n
}

/** Aligns `text` and returns the result (escapes still in place, for the trimmer to remove). */
export function tabwrite(text: string): string {
  return new TabWriter().write(text).flush()
}

class TabWriter {
  #out = ''
  #buf = ''
  #pos = 0
  #cell: Cell = { size: 0, width: 0, htab: false }
  #inEscape = false
  #lines: Cell[][] = [[]]
  #widths: number[] = []

  write(text: string): this {
    let n = 0
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]
      if (!this.#inEscape) {
        if (ch === '\t' || ch === '\v' || ch === '\n' || ch === '\f') {
          this.#append(text.slice(n, i))
          this.#updateWidth()
          n = i + 1
          const ncells = this.#terminateCell(ch === '\t')
          if (ch === '\n' || ch === '\f') {
            this.#lines.push([])
            if (ch === '\f' || ncells === 1) this.#flushLines()
          }
        } else if (ch === ESCAPE) {
          this.#append(text.slice(n, i))
          this.#updateWidth()
          n = i
          this.#inEscape = true
        }
      } else if (ch === ESCAPE) {
        this.#append(text.slice(n, i + 1))
        n = i + 1
        this.#endEscape()
      }
    }
    this.#append(text.slice(n))
    return this
  }

  flush(): string {
    this.#flushLines()
    return this.#out
  }

  #append(s: string): void {
    this.#buf += s
    this.#cell.size += s.length
  }

  #updateWidth(): void {
    this.#cell.width += runeCount(this.#buf.slice(this.#pos))
    this.#pos = this.#buf.length
  }

  #endEscape(): void {
    this.#updateWidth()
    this.#cell.width -= 2
    this.#pos = this.#buf.length
    this.#inEscape = false
  }

  #terminateCell(htab: boolean): number {
    this.#cell.htab = htab
    const line = this.#lines[this.#lines.length - 1]!
    line.push(this.#cell)
    this.#cell = { size: 0, width: 0, htab: false }
    return line.length
  }

  #flushLines(): void {
    if (this.#cell.size > 0) {
      if (this.#inEscape) this.#endEscape()
      this.#terminateCell(false)
    }
    this.#format(0, 0, this.#lines.length)
    this.#buf = ''
    this.#pos = 0
    this.#cell = { size: 0, width: 0, htab: false }
    this.#inEscape = false
    this.#lines = [[]]
    this.#widths = []
  }

  #padding(textw: number, cellw: number, useTabs: boolean): void {
    if (useTabs) {
      const w = Math.ceil(cellw / TAB_WIDTH) * TAB_WIDTH
      this.#out += '\t'.repeat(Math.ceil((w - textw) / TAB_WIDTH))
      return
    }
    this.#out += ' '.repeat(cellw - textw)
  }

  #writeLines(pos0: number, line0: number, line1: number): number {
    let pos = pos0
    for (let i = line0; i < line1; i++) {
      const line = this.#lines[i]!
      let useTabs = true
      for (let j = 0; j < line.length; j++) {
        const c = line[j]!
        const width = this.#widths[j]
        if (c.size === 0) {
          if (width !== undefined) this.#padding(c.width, width, useTabs)
        } else {
          useTabs = false
          this.#out += this.#buf.slice(pos, pos + c.size)
          pos += c.size
          if (width !== undefined) this.#padding(c.width, width, false)
        }
      }
      if (i + 1 === this.#lines.length) {
        this.#out += this.#buf.slice(pos, pos + this.#cell.size)
        pos += this.#cell.size
      } else {
        this.#out += '\n'
      }
    }
    return pos
  }

  /** Go's format: finds each run of lines sharing `column`, sizes it, and recurses into the next column. */
  #format(pos0: number, line0: number, line1: number): number {
    let pos = pos0
    const column = this.#widths.length
    for (let cur = line0; cur < line1; cur++) {
      if (column >= this.#lines[cur]!.length - 1) continue
      pos = this.#writeLines(pos, line0, cur)
      line0 = cur
      let width = 0
      let discardable = true
      for (; cur < line1; cur++) {
        const line = this.#lines[cur]!
        if (column >= line.length - 1) break
        const c = line[column]!
        width = Math.max(width, c.width + PADDING)
        if (c.width > 0 || c.htab) discardable = false
      }
      if (discardable) width = 0
      this.#widths.push(width)
      pos = this.#format(pos, line0, cur)
      this.#widths.pop()
      line0 = cur
    }
    return this.#writeLines(pos, line0, line1)
  }
}
