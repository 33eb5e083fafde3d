/** Where a node is in its life: only `ready` members own keys. */
export type MemberState = 'joining' | 'ready' | 'leaving'

/** A node of the cluster as this node sees it. */
export interface Member {
  /** libp2p peer id (a new one at every start). */
  id: string
  /** `--cluster.node-name`, the hostname by default. */
  name: string
  /** Base URL of the node's HTTP data plane, where other nodes forward the keys it owns. */
  dataUrl: string
  state: MemberState
  /** Start time in ms: a restarted node has a larger generation. */
  generation: number
  /** When this node last heard from it (ms since the epoch); `Date.now()` for self. */
  lastSeen: number
  /**
   * The ownership-table version for which this member has delivered everything it wrote to its WAL
   * under earlier tables, or {@link NOT_FLUSHED} while such data is still pending (see docs/cluster.md,
   * "Hand-over"). New owners of its keys hold writes until it claims the version they use.
   */
  flushed: number
  /**
   * The remote-write shard counts this member wants, by sink id (component and endpoint): what its
   * own load asks for. Members split series for each other's shards, so each sink runs with the
   * largest count any member wants (see `Cluster.agreedShards`).
   */
  shards: Readonly<Record<string, number>>
}

/** `flushed` of a member that claims no version (table versions are unsigned 32-bit). */
export const NOT_FLUSHED = -1

export const MEMBER_STATES: readonly MemberState[] = ['joining', 'ready', 'leaving']
