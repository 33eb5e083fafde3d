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
}

export const MEMBER_STATES: readonly MemberState[] = ['joining', 'ready', 'leaving']
