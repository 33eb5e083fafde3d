export type { ScrapeConfig, ScrapeTlsConfig, Target } from './config.ts'
export { defaultScrapeConfig } from './config.ts'
export {
  DnsDiscovery,
  type DnsDiscoveryOptions,
  type DnsRecordType,
  type DnsResolver,
  systemResolver,
} from './discovery/dns.ts'
export { FileDiscovery, type FileDiscoveryOptions } from './discovery/file.ts'
export { parseFileSd } from './discovery/file-sd-format.ts'
export { relabelTargets, type TargetRelabeler } from './discovery/relabel.ts'
export { formatDurationMs, parseDurationMs } from './duration.ts'
export { encodeLabelFields, encodeScrapedSeries } from './encode.ts'
export {
  BadDurationError,
  FileSdFormatError,
  ScrapeBodyTooLargeError,
  ScrapeConnectionError,
  ScrapeError,
  ScrapeHttpStatusError,
  ScrapeLabelLimitError,
  ScrapeParseError,
  ScrapeSampleLimitError,
  ScrapeTargetLimitError,
  ScrapeTimeoutError,
} from './errors.ts'
export { SCRAPE_USER_AGENT, ScrapeHttpClient, type ScrapeResponse } from './http-client.ts'
export { computeScrapeOffsetMs, nextScrapeTimeMs } from './offset.ts'
export { type ParsedScrape, type ParseScrapeInput, parseScrapeBody } from './parse-body.ts'
export {
  DEFAULT_OFFLOAD_BYTES,
  type OffloadingParserOptions,
  offloadingParser,
  type ParseScrapeResponse,
  parseScrapeTask,
} from './parse-task.ts'
export type { ScrapeAppender, ScrapeBodyParser, TargetStatus } from './scrape-loop.ts'
export {
  HANDOVER_SLACK_MS,
  type HandoverResult,
  ScrapeManager,
  type ScrapeManagerOptions,
} from './scrape-manager.ts'
export { ScrapedSample, ScrapedSeries, type SeriesKey, sameLabels, seriesHash, seriesKey } from './series.ts'
export { CachedSeries, CachedText, type CacheSettings, SeriesCache } from './series-cache.ts'
export { finalTargetLabels, type ResolvedTarget, resolveTarget, targetKey } from './target-labels.ts'
export { attachTargetLabels, type LabelSettings, labelLimitProblem } from './target-merge.ts'
