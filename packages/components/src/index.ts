import { ComponentRegistry } from '@sluice/runtime'
import { discoveryDns, discoveryFile, discoveryRelabel } from './discovery.ts'
import { lokiSourceApi } from './loki-source-api.ts'
import { lokiSourceFile } from './loki-source-file.ts'
import { lokiWrite } from './loki-write.ts'
import { prometheusEcho } from './prometheus-echo.ts'
import { prometheusReceiveHttp } from './prometheus-receive-http.ts'
import { prometheusRelabel } from './prometheus-relabel.ts'
import { prometheusRemoteWrite } from './prometheus-remote-write.ts'
import { prometheusScrape } from './prometheus-scrape.ts'
import type { NodeServices } from './services.ts'

export {
  ClusterForwarder,
  type ClusterForwarderOptions,
  DEFAULT_MAX_HOLD_MS,
  FORWARD_CONTENT_TYPE,
  FORWARD_PATH,
  ForwardError,
  HandoverHoldError,
  LOGS_FORWARD_PATH,
  OWNERSHIP_VERSION_HEADER,
  OwnershipVersionError,
} from './cluster-routing.ts'
export { DebugSummary } from './debug-sink.ts'
export { BodyTooLargeError, type Handler, HttpServers, readBody, sendError } from './http.ts'
export { protocolOf, WRITE_PATH } from './prometheus-receive-http.ts'
export { shardCount } from './prometheus-remote-write.ts'
export { METRICS_RECEIVER_TYPE, type MetricsReceiver } from './receiver.ts'
export {
  type Admission,
  appendForwarded,
  type BacklogSource,
  type ClusterRouting,
  deliver,
  type LocalOwnership,
  type MainSink,
  type NodeServices,
  nodeBacklog,
  ownershipVersion,
  type ShardSink,
  SinkGoneError,
  type WalBacklog,
  walBacklog,
} from './services.ts'

/** Every component Sluice implements, by Alloy name. */
export function builtinComponents(): ComponentRegistry<NodeServices> {
  return new ComponentRegistry<NodeServices>()
    .register(prometheusReceiveHttp)
    .register(prometheusRelabel)
    .register(prometheusRemoteWrite)
    .register(prometheusScrape)
    .register(prometheusEcho)
    .register(discoveryRelabel)
    .register(discoveryFile)
    .register(discoveryDns)
    .register(lokiSourceApi)
    .register(lokiWrite)
    .register(lokiSourceFile)
}
