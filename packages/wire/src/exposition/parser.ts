import { compareLabelNames, type Label } from '@sluice/contracts'
import {
  BACKSLASH,
  COMMA,
  DQUOTE,
  EQUALS,
  HASH,
  isBlank,
  isLabelNameChar,
  isLabelNameStart,
  isMetricNameChar,
  isMetricNameStart,
  isPairedSurrogate,
  isSurrogate,
  LBRACE,
  LF,
  LOWER_N,
  RBRACE,
  REPLACEMENT_CHAR,
  SPACE,
  utf8LengthExceeds,
} from './chars.ts'
import { ExpositionError, ExpositionLimitError, quote } from './errors.ts'
import { OPENMETRICS_TYPES, TEXT_TYPES } from './families.ts'
import { type DescriptorKind, FamilyTracker } from './family-tracker.ts'
import { Interner } from './interner.ts'
import { parseFloatToken, parseIntegerToken } from './numbers.ts'
import type {
  ExposedSeries,
  ExpositionFormat,
  ExpositionLimits,
  FamilyMetadata,
  ParseResult,
  SampleLineHandler,
  ScanResult,
} from './types.ts'
import { ParsedSample } from './types.ts'

/** Label values up to this length without escapes are interned; longer ones are rarely repeated. */
const MAX_INTERNED_VALUE = 64
/** OpenMetrics: the label names and values of one exemplar hold at most 128 code points together. */
const MAX_EXEMPLAR_CODE_POINTS = 128

const NAME_LABEL = '__name__'

/**
 * Parses a text exposition (Prometheus text format 0.0.4 or OpenMetrics 1.0) into samples and family
 * metadata, in one pass over the string. It is strict where the format is: any malformed line, and in
 * OpenMetrics anything but a single `# EOF` at the very end, fails the whole body with an
 * {@link ExpositionError} whose message starts with the line number, as the OpenMetrics spec wants a
 * partial exposition to count as invalid in its entirety.
 */
export function parseExposition(
  body: string,
  format: ExpositionFormat,
  limits?: ExpositionLimits,
): ParseResult {
  const parser = new ExpositionParser(body, format, limits ?? {}, null)
  parser.run()
  return { format, samples: parser.samples, metadata: parser.metadata }
}

/**
 * The line-level entry point: parses `body` with the same rules and errors as {@link parseExposition}
 * but builds no sample objects. Each sample line's series text (metric name through the closing `}`
 * of its label set, or the bare name) is offered to `handler.lookup`; only a text the handler does
 * not know is read into labels, validated and passed to `handler.create`. Every sample then reaches
 * `handler.sample`, in body order, after its whole line has been validated. A scraper that keeps
 * entries per target thus re-reads only values while a target's series stay the same.
 *
 * A known text is skipped unread, which is sound because the identical text parsed without error
 * before: the handler must keep entries for one format only (text and OpenMetrics accept different
 * spellings). When `limits` sets a per-sample label limit, every text is read afresh so the limit is
 * always checked.
 */
export function scanExposition<E extends ExposedSeries>(
  body: string,
  format: ExpositionFormat,
  handler: SampleLineHandler<E>,
  limits?: ExpositionLimits,
): ScanResult {
  const parser = new ExpositionParser(body, format, limits ?? {}, handler)
  parser.run()
  return { format, samples: parser.sampleCount, metadata: parser.metadata }
}

class ExpositionParser {
  readonly #src: string
  readonly #end: number
  readonly #om: boolean
  readonly #maxSamples: number
  readonly #maxLabels: number
  readonly #maxNameLength: number
  readonly #maxValueLength: number
  readonly #interner = new Interner()
  readonly #families: FamilyTracker
  /** Null when collecting {@link ParsedSample}s for {@link parseExposition}. */
  readonly #handler: SampleLineHandler<ExposedSeries> | null
  /** Whether series texts are offered to the handler before being read (no per-sample label limits). */
  readonly #lookups: boolean
  /** The collected samples ({@link parseExposition} only). */
  readonly samples: ParsedSample[] = []
  sampleCount = 0
  #pos = 0
  #line = 1
  /** The last metric name read ('' before the first). */
  #lastName = ''

  constructor(
    body: string,
    format: ExpositionFormat,
    limits: ExpositionLimits,
    handler: SampleLineHandler<ExposedSeries> | null,
  ) {
    this.#src = body
    this.#end = body.length
    this.#om = format === 'openmetrics'
    this.#families = new FamilyTracker(format)
    this.#maxSamples = limits.maxSamples ?? Number.POSITIVE_INFINITY
    this.#maxLabels = limits.maxLabelsPerSample ?? Number.POSITIVE_INFINITY
    this.#maxNameLength = limits.maxLabelNameLength ?? Number.POSITIVE_INFINITY
    this.#maxValueLength = limits.maxLabelValueLength ?? Number.POSITIVE_INFINITY
    this.#handler = handler
    this.#lookups =
      handler !== null &&
      limits.maxLabelsPerSample === undefined &&
      limits.maxLabelNameLength === undefined &&
      limits.maxLabelValueLength === undefined
  }

  get metadata(): FamilyMetadata[] {
    return this.#families.metadata
  }

  run(): void {
    if (this.#om) this.#parseOpenMetrics()
    else this.#parseText()
  }

  // ---- line level -------------------------------------------------------------------------------

  /** Text 0.0.4: blank lines and leading/trailing blanks are allowed, the final LF is optional. */
  #parseText(): void {
    const src = this.#src
    for (;;) {
      this.#skipBlanks()
      if (this.#pos >= this.#end) return
      const c = src.charCodeAt(this.#pos)
      if (c === LF) {
        this.#pos++
        this.#line++
      } else if (c === HASH) {
        this.#textComment()
      } else {
        this.#sampleLine()
      }
    }
  }

  /** OpenMetrics: no blank lines, and the body ends with `# EOF` and at most one LF after it. */
  #parseOpenMetrics(): void {
    const src = this.#src
    for (;;) {
      if (this.#pos >= this.#end) throw this.#error('the exposition does not end with "# EOF"')
      const c = src.charCodeAt(this.#pos)
      if (c === HASH) {
        if (this.#openMetricsComment()) break
      } else if (c === LF) {
        throw this.#error('blank lines are not allowed in OpenMetrics')
      } else {
        this.#sampleLine()
      }
    }
    if (this.#pos < this.#end && src.charCodeAt(this.#pos) === LF) this.#pos++
    if (this.#pos < this.#end) {
      this.#line++
      throw this.#error('unexpected data after "# EOF"')
    }
  }

  /** Consumes the end of a line: trailing blanks (text only), then LF (or, in text, end of input). */
  #endLine(): void {
    if (!this.#om) this.#skipBlanks()
    if (this.#pos >= this.#end) {
      if (this.#om) throw this.#error('the exposition does not end with "# EOF"')
      return
    }
    if (this.#src.charCodeAt(this.#pos) !== LF) throw this.#unexpected('end of line')
    this.#pos++
    this.#line++
  }

  // ---- comments and metadata --------------------------------------------------------------------

  /** `# HELP`, `# TYPE`, or any other comment, which the text format ignores. */
  #textComment(): void {
    const src = this.#src
    this.#pos++
    if (!isBlank(src.charCodeAt(this.#pos))) {
      this.#skipToNextLine()
      return
    }
    this.#skipBlanks()
    let kind: DescriptorKind
    if (src.startsWith('HELP', this.#pos) && isBlank(src.charCodeAt(this.#pos + 4))) kind = 'HELP'
    else if (src.startsWith('TYPE', this.#pos) && isBlank(src.charCodeAt(this.#pos + 4))) kind = 'TYPE'
    else {
      this.#skipToNextLine()
      return
    }
    this.#pos += 4
    this.#skipBlanks()
    const name = this.#metricName(`a metric name after ${kind}`)
    const c = src.charCodeAt(this.#pos)
    if (kind === 'HELP') {
      let help = ''
      // As in Prometheus, exactly one blank separates the name from the text; more are kept.
      if (isBlank(c)) {
        this.#pos++
        help = this.#helpText()
      } else if (this.#pos < this.#end && c !== LF) {
        throw this.#unexpected('a blank after the metric name')
      }
      this.#families.describe(this.#line, kind, name, help)
      this.#endLine()
      return
    }
    if (!isBlank(c)) throw this.#unexpected('a blank and a metric type after the metric name')
    this.#skipBlanks()
    const start = this.#pos
    while (this.#pos < this.#end && !isBlank(src.charCodeAt(this.#pos)) && src.charCodeAt(this.#pos) !== LF) {
      this.#pos++
    }
    const type = src.slice(start, this.#pos)
    if (!TEXT_TYPES.has(type)) throw this.#error(`invalid metric type ${quote(type)}`)
    this.#families.describe(this.#line, kind, name, type)
    this.#endLine()
  }

  /** `# HELP|TYPE|UNIT name value` or `# EOF`; returns true at `# EOF`. No other comment exists. */
  #openMetricsComment(): boolean {
    const src = this.#src
    const p = this.#pos
    if (src.charCodeAt(p + 1) !== SPACE) throw this.#badComment()
    if (src.startsWith('EOF', p + 2)) {
      const after = p + 5
      if (after >= this.#end || src.charCodeAt(after) === LF) {
        this.#pos = after
        return true
      }
      throw this.#badComment()
    }
    let kind: DescriptorKind
    if (src.startsWith('HELP ', p + 2)) kind = 'HELP'
    else if (src.startsWith('TYPE ', p + 2)) kind = 'TYPE'
    else if (src.startsWith('UNIT ', p + 2)) kind = 'UNIT'
    else throw this.#badComment()
    this.#pos = p + 7
    const name = this.#metricName(`a metric name after ${kind}`)
    if (src.charCodeAt(this.#pos) !== SPACE) throw this.#unexpected('a space after the metric name')
    this.#pos++
    let value: string
    if (kind === 'HELP') {
      value = this.#helpText()
    } else {
      const start = this.#pos
      while (this.#pos < this.#end && src.charCodeAt(this.#pos) !== LF) {
        if (kind === 'UNIT' && !isMetricNameChar(src.charCodeAt(this.#pos))) {
          throw this.#unexpected('a unit made of [a-zA-Z0-9_:]')
        }
        this.#pos++
      }
      value = src.slice(start, this.#pos)
      if (kind === 'TYPE' && !OPENMETRICS_TYPES.has(value)) {
        throw this.#error(`invalid metric type ${quote(value)}`)
      }
    }
    this.#families.describe(this.#line, kind, name, value)
    this.#endLine()
    return false
  }

  #badComment(): ExpositionError {
    return this.#error(
      'OpenMetrics allows only "# HELP", "# TYPE", "# UNIT" and "# EOF" lines to start with "#"',
    )
  }

  /**
   * Reads HELP text to the end of the line. Both formats escape `\\` and `\n`; OpenMetrics also `\"`.
   * Other escapes stay as written (backslash included), as Prometheus keeps them.
   */
  #helpText(): string {
    const src = this.#src
    const end = this.#end
    const start = this.#pos
    let i = start
    let chunk = start
    let out: string | undefined
    while (i < end) {
      const c = src.charCodeAt(i)
      if (c === LF) break
      if (c === BACKSLASH) {
        const next = src.charCodeAt(i + 1)
        const replacement =
          next === BACKSLASH ? '\\' : next === LOWER_N ? '\n' : this.#om && next === DQUOTE ? '"' : undefined
        if (replacement !== undefined) {
          out = (out ?? '') + src.slice(chunk, i) + replacement
          i += 2
          chunk = i
          continue
        }
        if (this.#om && (i + 1 >= end || next === LF)) {
          this.#pos = i
          throw this.#error('HELP text ends with an unfinished escape sequence')
        }
      } else if (c === REPLACEMENT_CHAR || isSurrogate(c)) {
        if (!isPairedSurrogate(src, i, c)) {
          this.#pos = i
          throw this.#error('HELP text is not valid UTF-8')
        }
        i++
      }
      i++
    }
    this.#pos = i
    return out === undefined ? src.slice(start, i) : out + src.slice(chunk, i)
  }

  // ---- samples ----------------------------------------------------------------------------------

  /** `name[{labels}] value [timestamp]`, plus an optional exemplar in OpenMetrics. */
  #sampleLine(): void {
    const src = this.#src
    const om = this.#om
    const lineStart = this.#pos
    const name = this.#metricName(om ? 'a metric name or "#"' : 'a metric name, a comment or a blank line')
    const nameEnd = this.#pos
    let brace = -1
    if (om) {
      if (src.charCodeAt(this.#pos) === LBRACE) brace = this.#pos
    } else {
      const blanks = this.#skipBlanks()
      if (src.charCodeAt(this.#pos) === LBRACE) brace = this.#pos
      else if (blanks === 0) throw this.#unexpected('a blank or "{" after the metric name')
    }

    // The series text ends at the name, or at the `}` closing the label set.
    let seriesEnd = brace === -1 ? nameEnd : -1
    let known: ExposedSeries | undefined
    if (this.#lookups) {
      if (brace !== -1) seriesEnd = labelSetEnd(src, brace, this.#end)
      if (seriesEnd !== -1) known = this.#handler!.lookup(src, lineStart, seriesEnd)
    }
    let labels: Label[] | undefined
    if (known !== undefined) {
      if (brace !== -1) this.#pos = seriesEnd
    } else {
      labels = [{ name: NAME_LABEL, value: name }]
      this.#checkValueLength(name)
      if (brace !== -1) {
        this.#labelSet(labels, false)
        seriesEnd = this.#pos
      }
    }
    if (om) {
      if (src.charCodeAt(this.#pos) !== SPACE) throw this.#unexpected('a space before the value')
      this.#pos++
    } else {
      this.#skipBlanks()
    }

    const value = this.#number('a value')
    let timestampMs: number | undefined
    if (om) {
      if (src.charCodeAt(this.#pos) === SPACE) {
        this.#pos++
        if (src.charCodeAt(this.#pos) !== HASH) {
          timestampMs = this.#openMetricsTimestamp()
          if (src.charCodeAt(this.#pos) === SPACE) {
            this.#pos++
            if (src.charCodeAt(this.#pos) !== HASH) throw this.#unexpected('an exemplar ("# {")')
          }
        }
        if (src.charCodeAt(this.#pos) === HASH) this.#exemplar()
      }
    } else {
      this.#skipBlanks()
      if (this.#pos < this.#end && src.charCodeAt(this.#pos) !== LF) {
        const start = this.#pos
        this.#skipToken()
        timestampMs = parseIntegerToken(src, start, this.#pos)
        if (timestampMs === undefined) {
          throw this.#error(`invalid timestamp ${quote(src.slice(start, this.#pos))}`)
        }
      }
    }
    const line = this.#line
    this.#endLine()
    if (this.sampleCount >= this.#maxSamples) {
      throw new ExpositionLimitError(line, 'maxSamples', this.#maxSamples, this.sampleCount + 1)
    }
    this.sampleCount++
    if (known !== undefined) {
      this.#families.place(line, name, known.exposedLabels)
      this.#handler!.sample(known, value, timestampMs)
      return
    }
    this.#checkLabels(line, labels!)
    this.#families.place(line, name, labels!)
    if (this.#handler === null) {
      this.samples.push(new ParsedSample(name, labels!, value, timestampMs))
      return
    }
    const entry = this.#handler.create(src, lineStart, seriesEnd, name, labels!)
    this.#handler.sample(entry, value, timestampMs)
  }

  /** The per-sample label limits, then sorts the set by name and fails on a repeated name. */
  #checkLabels(line: number, labels: Label[]): void {
    if (NAME_LABEL.length > this.#maxNameLength) {
      throw new ExpositionLimitError(line, 'maxLabelNameLength', this.#maxNameLength, NAME_LABEL.length)
    }
    if (labels.length > this.#maxLabels) {
      throw new ExpositionLimitError(line, 'maxLabelsPerSample', this.#maxLabels, labels.length)
    }
    sortLabels(labels, line)
  }

  /** OpenMetrics: ` # {labels} value [timestamp]`; validated, then dropped. */
  #exemplar(): void {
    const src = this.#src
    if (src.charCodeAt(this.#pos + 1) !== SPACE || src.charCodeAt(this.#pos + 2) !== LBRACE) {
      throw this.#unexpected('an exemplar ("# {")')
    }
    this.#pos += 2
    const labels: Label[] = []
    this.#labelSet(labels, true)
    let codePoints = 0
    for (const label of labels) codePoints += countCodePoints(label.name) + countCodePoints(label.value)
    if (codePoints > MAX_EXEMPLAR_CODE_POINTS) {
      throw this.#error(
        `exemplar labels hold ${codePoints} code points, more than ${MAX_EXEMPLAR_CODE_POINTS}`,
      )
    }
    if (src.charCodeAt(this.#pos) !== SPACE) throw this.#unexpected('a space before the exemplar value')
    this.#pos++
    this.#number('an exemplar value')
    if (src.charCodeAt(this.#pos) === SPACE) {
      this.#pos++
      this.#openMetricsTimestamp()
    }
  }

  /**
   * `{name="value",...}` into `labels`. The text format allows blanks between tokens and a trailing
   * comma; OpenMetrics allows neither. Exemplar labels skip the per-sample limits.
   */
  #labelSet(labels: Label[], exemplar: boolean): void {
    const src = this.#src
    const om = this.#om
    this.#pos++
    if (!om) this.#skipBlanks()
    if (src.charCodeAt(this.#pos) === RBRACE) {
      this.#pos++
      return
    }
    for (;;) {
      const start = this.#pos
      if (!isLabelNameStart(src.charCodeAt(start))) throw this.#unexpected('a label name')
      let i = start + 1
      while (i < this.#end && isLabelNameChar(src.charCodeAt(i))) i++
      this.#pos = i
      if (!exemplar && i - start > this.#maxNameLength) {
        throw new ExpositionLimitError(this.#line, 'maxLabelNameLength', this.#maxNameLength, i - start)
      }
      const name = this.#interner.intern(src, start, i)
      if (!om) this.#skipBlanks()
      if (src.charCodeAt(this.#pos) !== EQUALS) throw this.#unexpected('"=" after the label name')
      this.#pos++
      if (!om) this.#skipBlanks()
      if (src.charCodeAt(this.#pos) !== DQUOTE) throw this.#unexpected('a quoted label value')
      this.#pos++
      const value = this.#labelValue()
      if (!exemplar) this.#checkValueLength(value)
      labels.push({ name, value })
      if (!om) this.#skipBlanks()
      const c = src.charCodeAt(this.#pos)
      if (c === COMMA) {
        this.#pos++
        if (!om) {
          this.#skipBlanks()
          if (src.charCodeAt(this.#pos) === RBRACE) {
            this.#pos++
            return
          }
        }
      } else if (c === RBRACE) {
        this.#pos++
        return
      } else {
        throw this.#unexpected('"," or "}" after the label value')
      }
    }
  }

  /**
   * A label value after its opening quote, through the closing one. `\\`, `\"` and `\n` are escapes;
   * any other backslash pair is kept as written (Prometheus does the same, and OpenMetrics defines
   * `\a` as the two characters). A raw line break, an unpaired surrogate or U+FFFD (what a decoder
   * left for invalid UTF-8 bytes) fails the line.
   */
  #labelValue(): string {
    const src = this.#src
    const end = this.#end
    const start = this.#pos
    let i = start
    let chunk = start
    let out: string | undefined
    for (;;) {
      if (i >= end) {
        this.#pos = i
        throw this.#error('unterminated label value')
      }
      const c = src.charCodeAt(i)
      if (c === DQUOTE) break
      if (c === BACKSLASH) {
        const next = src.charCodeAt(i + 1)
        const replacement =
          next === BACKSLASH ? '\\' : next === DQUOTE ? '"' : next === LOWER_N ? '\n' : undefined
        if (replacement !== undefined) {
          out = (out ?? '') + src.slice(chunk, i) + replacement
          i += 2
          chunk = i
          continue
        }
        if (i + 1 >= end || next === LF) {
          this.#pos = i
          throw this.#error('unterminated label value (backslash at the end of the line)')
        }
      } else if (c === LF) {
        this.#pos = i
        throw this.#error('unterminated label value (line break inside the quotes)')
      } else if (c === REPLACEMENT_CHAR || isSurrogate(c)) {
        if (!isPairedSurrogate(src, i, c)) {
          this.#pos = i
          throw this.#error('label value is not valid UTF-8')
        }
        i++
      }
      i++
    }
    this.#pos = i + 1
    if (out !== undefined) return out + src.slice(chunk, i)
    return i - start <= MAX_INTERNED_VALUE ? this.#interner.intern(src, start, i) : src.slice(start, i)
  }

  // ---- tokens -----------------------------------------------------------------------------------

  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`, interned. */
  #metricName(expected: string): string {
    const src = this.#src
    const start = this.#pos
    // Consecutive lines mostly repeat the name (one line per series), so try the last one first.
    const last = this.#lastName
    if (
      last !== '' &&
      src.startsWith(last, start) &&
      !isMetricNameChar(src.charCodeAt(start + last.length))
    ) {
      this.#pos = start + last.length
      return last
    }
    if (!isMetricNameStart(src.charCodeAt(start))) throw this.#unexpected(expected)
    let i = start + 1
    while (i < this.#end && isMetricNameChar(src.charCodeAt(i))) i++
    this.#pos = i
    const name = this.#interner.intern(src, start, i)
    this.#lastName = name
    return name
  }

  /** A float token: up to a blank or LF in text, up to a space or LF in OpenMetrics. */
  #number(what: string): number {
    const start = this.#pos
    this.#skipToken()
    if (this.#pos === start) throw this.#unexpected(what)
    const value = parseFloatToken(this.#src, start, this.#pos)
    if (value === undefined) {
      throw this.#error(`invalid ${what.replace(/^an? /, '')} ${quote(this.#src.slice(start, this.#pos))}`)
    }
    return value
  }

  /** OpenMetrics timestamps are seconds with an optional fraction; Prometheus truncates to ms. */
  #openMetricsTimestamp(): number {
    const start = this.#pos
    this.#skipToken()
    const seconds = parseFloatToken(this.#src, start, this.#pos)
    if (seconds === undefined || !Number.isFinite(seconds)) {
      throw this.#error(`invalid timestamp ${quote(this.#src.slice(start, this.#pos))}`)
    }
    // `+ 0` turns the -0 of a small negative fraction into 0.
    return Math.trunc(seconds * 1000) + 0
  }

  /** Advances over one token: to the next separator (blank in text, space in OpenMetrics) or LF. */
  #skipToken(): void {
    const src = this.#src
    let i = this.#pos
    if (this.#om) {
      while (i < this.#end) {
        const c = src.charCodeAt(i)
        if (c === SPACE || c === LF) break
        i++
      }
    } else {
      while (i < this.#end) {
        const c = src.charCodeAt(i)
        if (isBlank(c) || c === LF) break
        i++
      }
    }
    this.#pos = i
  }

  /** Skips spaces and tabs; returns how many. */
  #skipBlanks(): number {
    const src = this.#src
    const start = this.#pos
    let i = start
    while (i < this.#end && isBlank(src.charCodeAt(i))) i++
    this.#pos = i
    return i - start
  }

  #skipToNextLine(): void {
    const lf = this.#src.indexOf('\n', this.#pos)
    if (lf === -1) {
      this.#pos = this.#end
      return
    }
    this.#pos = lf + 1
    this.#line++
  }

  #checkValueLength(value: string): void {
    if (this.#maxValueLength === Number.POSITIVE_INFINITY) return
    const bytes = utf8LengthExceeds(value, this.#maxValueLength)
    if (bytes !== undefined) {
      throw new ExpositionLimitError(this.#line, 'maxLabelValueLength', this.#maxValueLength, bytes)
    }
  }

  // ---- errors -----------------------------------------------------------------------------------

  #error(message: string): ExpositionError {
    return new ExpositionError(this.#line, message)
  }

  #unexpected(expected: string): ExpositionError {
    return this.#error(`expected ${expected}, found ${this.#describeHere()}`)
  }

  #describeHere(): string {
    if (this.#pos >= this.#end) return 'end of input'
    const c = this.#src.charCodeAt(this.#pos)
    if (c === LF) return 'end of line'
    return JSON.stringify(String.fromCodePoint(this.#src.codePointAt(this.#pos) ?? c))
  }
}

/**
 * Sorts a label set by name in place (insertion sort: sets are small and usually close to sorted)
 * and fails on a repeated name, which the sort finds next to its twin.
 */
function sortLabels(labels: Label[], line: number): void {
  for (let i = 1; i < labels.length; i++) {
    const label = labels[i]!
    let j = i - 1
    while (j >= 0 && compareLabelNames(labels[j]!.name, label.name) > 0) {
      labels[j + 1] = labels[j]!
      j--
    }
    if (j >= 0 && labels[j]!.name === label.name) {
      throw new ExpositionError(line, `duplicate label name ${JSON.stringify(label.name)}`)
    }
    labels[j + 1] = label
  }
}

/**
 * Where the label set opening at `src[brace]` ends (just past its `}`), skipping quoted values and
 * their escapes without reading them; -1 when the line ends first. Only a text that parsed before
 * is ever accepted on this scan's word, so it need not validate anything.
 */
function labelSetEnd(src: string, brace: number, end: number): number {
  let i = brace + 1
  while (i < end) {
    const c = src.charCodeAt(i)
    if (c === RBRACE) return i + 1
    if (c === LF) return -1
    if (c === DQUOTE) {
      i++
      for (;;) {
        if (i >= end) return -1
        const q = src.charCodeAt(i)
        if (q === DQUOTE) break
        if (q === LF) return -1
        i += q === BACKSLASH ? 2 : 1
      }
    }
    i++
  }
  return -1
}

function countCodePoints(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xdc00 || c > 0xdfff) n++
  }
  return n
}
