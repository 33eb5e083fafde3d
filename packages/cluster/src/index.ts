export { type ChangeListener, Cluster, type ClusterOptions, DEFAULT_CLUSTER_PORT } from './cluster.ts'
export {
  ClusterConfigError,
  ClusterStartError,
  ClusterStoppedError,
  OwnershipSnapshotError,
} from './errors.ts'
export type { Member, MemberState } from './member.ts'
export { type Owner, OwnershipTable, type OwnershipTablePlain } from './ownership.ts'
export { dataPlaneToken, generateSecret, readSecretFile } from './secret.ts'
