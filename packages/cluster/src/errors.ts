import { SluiceError } from '@sluice/contracts'

/** A cluster option is malformed: a bad host:port, an unreadable or malformed secret (400). */
export class ClusterConfigError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SLUICE_ERR_CLUSTER_CONFIG', message, { status: 400, cause: options.cause })
  }
}

/** A plain ownership snapshot handed to {@link OwnershipTable.from} does not have the expected shape (500). */
export class OwnershipSnapshotError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_CLUSTER_SNAPSHOT', message, { status: 500 })
  }
}

/** The cluster was used after {@link Cluster.stop} or {@link Cluster.leave} (503: the node is going away). */
export class ClusterStoppedError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_ERR_CLUSTER_STOPPED', message, { status: 503 })
  }
}

/** libp2p could not start, typically because the cluster listen address is taken (500). */
export class ClusterStartError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SLUICE_ERR_CLUSTER_START', message, { status: 500, cause: options.cause })
  }
}
