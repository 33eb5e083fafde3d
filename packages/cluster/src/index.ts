export {
  type ChangeListener,
  Cluster,
  type ClusterOptions,
  DEFAULT_CLUSTER_PORT,
  type ShardsListener,
} from './cluster.ts'
export {
  ClusterConfigError,
  ClusterStartError,
  ClusterStoppedError,
  OwnershipSnapshotError,
} from './errors.ts'
export { CrashHold, type CrashHoldState, HandoverGate, type HandoverState } from './handover.ts'
export { type Member, type MemberState, NOT_FLUSHED } from './member.ts'
export { type Owner, OwnershipTable, type OwnershipTablePlain } from './ownership.ts'
export { dataPlaneToken, generateSecret, readSecretFile } from './secret.ts'
