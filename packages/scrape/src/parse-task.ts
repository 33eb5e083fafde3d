import { isSluiceError } from '@sluice/contracts'
import { ScrapeLabelLimitError, ScrapeParseError, ScrapeSampleLimitError } from './errors.ts'
import { type ParsedScrape, type ParseScrapeInput, parseScrapeBody } from './parse-body.ts'
import type { ScrapeBodyParser } from './scrape-loop.ts'
import { ScrapedSample, ScrapedSeries } from './series.ts'

/**
 * What a worker thread answers for one body. Structured clone keeps neither class prototypes nor an
 * error's own fields, so both directions carry plain data and the main thread rebuilds the classes.
 */
export type ParseScrapeResponse =
  | { ok: true; result: ParsedScrape }
  | { ok: false; error: { code: string; message: string; samplesScraped?: number } }

/**
 * The worker side: parses one body and answers with plain data, never throwing. The pipeline pool's
 * worker re-exports it as its `parseScrape` task.
 */
export function parseScrapeTask(input: ParseScrapeInput): ParseScrapeResponse {
  try {
    return { ok: true, result: parseScrapeBody(input) }
  } catch (err) {
    if (err instanceof ScrapeSampleLimitError)
      return {
        ok: false,
        error: { code: err.code, message: err.message, samplesScraped: err.samplesScraped },
      }
    if (isSluiceError(err)) return { ok: false, error: { code: err.code, message: err.message } }
    return {
      ok: false,
      error: { code: 'SLUICE_ERR_SCRAPE_PARSE', message: String((err as Error)?.message ?? err) },
    }
  }
}

/** Bodies above this size are parsed off the main thread by default (about where the hop pays for itself). */
export const DEFAULT_OFFLOAD_BYTES = 1024 * 1024

/** Options of {@link offloadingParser}. */
export interface OffloadingParserOptions {
  /** Runs {@link parseScrapeTask} on a worker thread, e.g. `(input) => pipeline.parseScrape(input)`. */
  run: (input: ParseScrapeInput) => Promise<unknown>
  /** Bodies of at least this many bytes go to `run`; smaller ones are parsed in-thread. */
  thresholdBytes?: number
  /** Called when `run` itself fails (pool busy or closed); the body is then parsed in-thread. */
  onFallback?: (err: unknown) => void
}

/**
 * A {@link ScrapeBodyParser} that sends large bodies to a worker pool and parses small ones in-thread,
 * where the thread hop would cost more than it saves. A pool that refuses the task (queue full,
 * closing) costs the scrape nothing: the body is parsed here instead.
 *
 * Staleness markers never cross the thread boundary: the scrape loop makes them on the main thread
 * after parsing, and they reach the encoder inside their sample objects. A body's own `NaN` samples
 * do cross, as ordinary NaN, which is all the text formats can express.
 */
export function offloadingParser(
  options: OffloadingParserOptions,
): (input: ParseScrapeInput) => Promise<ParsedScrape> {
  const threshold = options.thresholdBytes ?? DEFAULT_OFFLOAD_BYTES
  return async (input) => {
    const size = typeof input.body === 'string' ? input.body.length : input.body.byteLength
    if (size < threshold) return parseScrapeBody(input)
    // The target's cache stays on this thread; the worker reads the body in full.
    const { cache: _cache, ...plain } = input
    let response: ParseScrapeResponse
    try {
      response = (await options.run(plain)) as ParseScrapeResponse
    } catch (err) {
      options.onFallback?.(err)
      return parseScrapeBody(input)
    }
    if (!response.ok) throw reviveError(response.error)
    return reviveParsed(response.result)
  }
}

/** Gives the cloned series their classes back, so every record on the append path has one shape. */
function reviveParsed(plain: ParsedScrape): ParsedScrape {
  const series = new Array<ScrapedSeries>(plain.series.length)
  for (let i = 0; i < series.length; i++) {
    const s = plain.series[i]!
    const samples = new Array<ScrapedSample>(s.samples.length)
    for (let k = 0; k < samples.length; k++)
      samples[k] = new ScrapedSample(s.samples[k]!.value, s.samples[k]!.timestampMs)
    series[i] = new ScrapedSeries(s.labels, samples, s.encodedLabels)
  }
  return {
    series,
    keys: plain.keys,
    samplesScraped: plain.samplesScraped,
    samplesAppended: plain.samplesAppended,
  }
}

/** The typed error for a worker's answer: the limit errors keep their class (the loop reads `samplesScraped`). */
function reviveError(plain: { code: string; message: string; samplesScraped?: number }): Error {
  if (plain.code === 'SLUICE_ERR_SCRAPE_SAMPLE_LIMIT') {
    const err = new ScrapeSampleLimitError(plain.samplesScraped ?? 0, 0)
    err.message = plain.message
    return err
  }
  if (plain.code === 'SLUICE_ERR_SCRAPE_LABEL_LIMIT') return new ScrapeLabelLimitError(plain.message)
  return new ScrapeParseError(`${plain.message} (${plain.code})`)
}
