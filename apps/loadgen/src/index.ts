/** @sluice/loadgen: load and measurement tools for the benchmarks in docs/benchmarks.md. */
export { type CpuProfile, type ProfileSummary, type SelfTime, summarizeProfile } from './cpuprofile.ts'
export { type DistinctOptions, type DistinctResult, pushDistinct, type RssSample } from './distinct.ts'
export { LoadgenUsageError } from './errors.ts'
export { parseStatus, type Rss, readRss } from './rss.ts'
export { benchSeries, buildRequest, type RequestShape } from './series.ts'
