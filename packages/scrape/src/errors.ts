import { SluiceError } from '@sluice/contracts'

/**
 * Why a scrape failed. Each failure has its own class and stable code; the message is what
 * `targetsStatus()` shows as `lastError`. Statuses follow the gateway convention: the target
 * misbehaved (502), was too slow (504), or sent more than the limits allow (413/400).
 */
export class ScrapeError extends SluiceError {}

/** The target answered with a status other than 200. */
export class ScrapeHttpStatusError extends ScrapeError {
  constructor(status: number) {
    super('SLUICE_ERR_SCRAPE_HTTP_STATUS', `server returned HTTP status ${status}`, { status: 502 })
  }
}

/** The connection failed or broke before the body was read. */
export class ScrapeConnectionError extends ScrapeError {
  constructor(cause: unknown) {
    super('SLUICE_ERR_SCRAPE_CONNECTION', `scrape request failed: ${(cause as Error)?.message ?? cause}`, {
      status: 502,
      cause,
    })
  }
}

/** No complete answer within `scrape_timeout`. */
export class ScrapeTimeoutError extends ScrapeError {
  constructor(timeoutMs: number) {
    super('SLUICE_ERR_SCRAPE_TIMEOUT', `scrape timed out after ${timeoutMs}ms`, { status: 504 })
  }
}

/** The uncompressed body exceeded `body_size_limit`. */
export class ScrapeBodyTooLargeError extends ScrapeError {
  constructor(limit: number) {
    super('SLUICE_ERR_SCRAPE_BODY_TOO_LARGE', `body size limit exceeded (limit: ${limit} bytes)`, {
      status: 413,
    })
  }
}

/** The scrape produced more samples than `sample_limit`. */
export class ScrapeSampleLimitError extends ScrapeError {
  /** Samples in the body, still reported as `scrape_samples_scraped`. */
  readonly samplesScraped: number

  constructor(count: number, limit: number) {
    super('SLUICE_ERR_SCRAPE_SAMPLE_LIMIT', `sample_limit exceeded (samples: ${count}, limit: ${limit})`, {
      status: 413,
    })
    this.samplesScraped = count
  }
}

/** A sample broke `label_limit`, `label_name_length_limit` or `label_value_length_limit`. */
export class ScrapeLabelLimitError extends ScrapeError {
  constructor(detail: string) {
    super('SLUICE_ERR_SCRAPE_LABEL_LIMIT', detail, { status: 400 })
  }
}

/**
 * A worker thread could not parse a body: malformed exposition text, or the worker failed. The
 * message names the original error's code.
 */
export class ScrapeParseError extends ScrapeError {
  constructor(detail: string) {
    super('SLUICE_ERR_SCRAPE_PARSE', detail, { status: 502 })
  }
}

/** The job has more targets on this node than `target_limit`; every target of the job reports down. */
export class ScrapeTargetLimitError extends ScrapeError {
  constructor(count: number, limit: number) {
    super('SLUICE_ERR_SCRAPE_TARGET_LIMIT', `target_limit exceeded (targets: ${count}, limit: ${limit})`, {
      status: 503,
    })
  }
}

/** A duration label (`__scrape_interval__`, `__scrape_timeout__`) that is not a Prometheus duration. */
export class BadDurationError extends SluiceError {
  constructor(text: string) {
    super('SLUICE_ERR_SCRAPE_BAD_DURATION', `not a valid duration: ${JSON.stringify(text)}`, { status: 400 })
  }
}

/** A file_sd file that is not a list of `{targets: [...], labels: {...}}` groups. */
export class FileSdFormatError extends SluiceError {
  constructor(path: string, detail: string) {
    super('SLUICE_ERR_FILE_SD_FORMAT', `${path}: ${detail}`, { status: 400 })
  }
}
