/**
 * A point in a source file. `offset` counts UTF-16 code units from the start (so `source.slice`
 * works on it); `line` and `column` are 1-based, the column counting UTF-16 code units. Alloy counts
 * bytes instead, so columns differ from Alloy's only on lines with non-ASCII text before the point.
 */
export interface Position {
  offset: number
  line: number
  column: number
}

/** A range of a file: `start` inclusive, `end` exclusive. */
export interface Span {
  file: string
  start: Position
  end: Position
}

/** Maps offsets of one source text to line/column positions. */
export class LineIndex {
  readonly file: string
  readonly #starts: number[]
  readonly #length: number

  constructor(source: string, file: string) {
    this.file = file
    this.#length = source.length
    const starts = [0]
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1)
    this.#starts = starts
  }

  /** The position of `offset` (clamped into the text). */
  position(offset: number): Position {
    const off = Math.max(0, Math.min(offset, this.#length))
    const starts = this.#starts
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid]! <= off) lo = mid
      else hi = mid - 1
    }
    return { offset: off, line: lo + 1, column: off - starts[lo]! + 1 }
  }

  /** The line number of `offset`. */
  line(offset: number): number {
    return this.position(offset).line
  }

  /** A span from `start` (inclusive) to `end` (exclusive) offsets. */
  span(start: number, end: number): Span {
    return { file: this.file, start: this.position(start), end: this.position(Math.max(start, end)) }
  }
}
