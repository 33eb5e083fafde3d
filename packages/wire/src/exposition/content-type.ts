import type { ExpositionFormat } from './types.ts'

/**
 * The Accept header Prometheus sends for its default text protocols, OpenMetrics first. The
 * `escaping=underscores` parameter asks targets that hold UTF-8 metric names to rewrite them into the
 * classic character set, which is the only one this parser reads. Protobuf is not offered: Sluice
 * does not parse it.
 */
export const SCRAPE_ACCEPT_HEADER: string =
  'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,' +
  'application/openmetrics-text;version=0.0.1;q=0.5,' +
  'text/plain;version=1.0.0;escaping=underscores;q=0.4,' +
  'text/plain;version=0.0.4;q=0.3,' +
  '*/*;q=0.2'

const OPENMETRICS_MEDIA_TYPE = 'application/openmetrics-text'

/**
 * Picks the format from a Content-Type header value: `application/openmetrics-text` (any version,
 * any case) is OpenMetrics; anything else, or no header, is the text format 0.0.4, as Prometheus
 * falls back to it.
 */
export function formatFromContentType(contentType: string | undefined): ExpositionFormat {
  if (contentType === undefined) return 'text'
  const semi = contentType.indexOf(';')
  const mediaType = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
  return mediaType === OPENMETRICS_MEDIA_TYPE ? 'openmetrics' : 'text'
}
