/**
 * @sluice/wire: the byte formats Sluice speaks — snappy, Prometheus remote-write 1.0 and 2.0 (object
 * codecs and the zero-copy splitter), Loki push (protobuf and JSON), and the text exposition format.
 */
export { DecodeError, LimitError, type LimitName, SnappyError } from './errors.ts'
export * from './exposition/index.ts'
export { hashLabels } from './hash.ts'
export { LabelKey } from './key-hash.ts'
export { formatLabelSet, parseLabelSet } from './labelset.ts'
export { DEFAULT_WIRE_LIMITS, resolveLimits, type WireLimits } from './limits.ts'
export {
  decodeLokiJson,
  decodeLokiPush,
  encodeLokiJson,
  encodeLokiPush,
  type LokiEntry,
  type LokiPushRequest,
  type LokiStream,
} from './loki.ts'
export {
  encodeLabelFields,
  int64Size,
  labelsSize,
  varint32Size,
  writeDouble,
  writeInt64,
  writeLabels,
  writeVarint32,
} from './protowrite.ts'
export {
  type BucketSpan,
  decodeWriteRequest,
  type Exemplar,
  encodeWriteRequest,
  type Histogram,
  type MetricMetadata,
  MetricType,
  type Sample,
  type TimeSeries,
  type WriteRequest,
  type WriteRequestInput,
} from './remote-write.ts'
export {
  decodeWriteV2,
  type ExemplarV2,
  type MetadataV2,
  type SampleV2,
  type TimeSeriesV2,
  v2ToV1,
  type WriteRequestV2,
} from './remote-write-v2.ts'
export {
  encodeSeries,
  readSeriesLabels,
  rewriteSeriesLabels,
  type SampleRecord,
  type SeriesRecord,
  WriteRequestBuilder,
} from './series.ts'
export { snappyDecode, snappyDecodedLength, snappyEncode } from './snappy.ts'
export { snappyJoin } from './snappy-join.ts'
export { buildWriteRequest, SeriesIndex, type SplitOptions, splitWriteRequest } from './split.ts'
export { isStaleNaN, STALE_NAN } from './stale.ts'
