/**
 * @sluice/pipeline: the worker-pool stages of a metrics push — snappy decode, split by series owner,
 * relabel, re-encode per sink shard — on piscina threads.
 */
export {
  ForwardBodyError,
  PipelineBusyError,
  PipelineClosedError,
  PipelineTaskError,
  PipelineTimeoutError,
} from './errors.ts'
export { decodeForwardBody, encodeForwardBody, FORWARD_BODY_VERSION, ForwardPart } from './forward-body.ts'
export { MetricsPipeline, type MetricsPipelineOptions } from './pipeline.ts'
export type { MainStage, PushJob, PushOwnership, RelabelStage, SinkStage, StagePlan } from './plan.ts'
export { MainOutput, PushOutput, PushResult, RemoteOutput } from './result.ts'
export { PushRunner, type RunnerOptions } from './run-push.ts'
