/**
 * Prometheus text exposition 0.0.4 and OpenMetrics 1.0: the parser the scraper runs on every
 * response body, content negotiation helpers, and a text renderer for tests and debugging.
 */
export { formatFromContentType, SCRAPE_ACCEPT_HEADER } from './content-type.ts'
export type { ExpositionLimitName } from './errors.ts'
export { ExpositionError, ExpositionLimitError } from './errors.ts'
export { formatText } from './format-text.ts'
export { parseExposition, scanExposition } from './parser.ts'
export type {
  ExposedSeries,
  ExpositionFormat,
  ExpositionLimits,
  ExpositionMetricType,
  FamilyMetadata,
  ParseResult,
  SampleLineHandler,
  ScanResult,
} from './types.ts'
export { ParsedSample } from './types.ts'
