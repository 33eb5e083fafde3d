import { Counter, Gauge, type Registry } from '@sluice/telemetry'

/** The cluster's own metrics; registered on `registry` when one is given. */
export class ClusterMetrics {
  readonly members: Gauge<'state'>
  readonly ownershipChanges: Counter
  readonly heartbeatsReceived: Counter
  readonly heartbeatsInvalid: Counter
  readonly peerConnections: Gauge

  constructor(registry: Registry | undefined) {
    const registers = registry ? [registry] : []
    this.members = new Gauge({
      name: 'sluice_cluster_members',
      help: 'Live cluster members, this node included, by state (joining, ready, leaving).',
      labelNames: ['state'],
      registers,
    })
    this.ownershipChanges = new Counter({
      name: 'sluice_cluster_ownership_changes_total',
      help: 'Times the set of ready members, and so the ownership of keys, changed.',
      registers,
    })
    this.heartbeatsReceived = new Counter({
      name: 'sluice_cluster_heartbeats_received_total',
      help: 'Membership heartbeats received from other members.',
      registers,
    })
    this.heartbeatsInvalid = new Counter({
      name: 'sluice_cluster_heartbeats_invalid_total',
      help: 'Messages on the membership topic ignored as malformed, unsigned, or from another cluster name.',
      registers,
    })
    this.peerConnections = new Gauge({
      name: 'sluice_cluster_peer_connections',
      help: 'Peers this node has an open libp2p connection to.',
      registers,
    })
  }
}
