import { isIP } from 'node:net'
import { hostname } from 'node:os'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { type GossipSub, gossipsub, type Message } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger, Registry } from '@sluice/telemetry'
import { nullLogger } from '@sluice/telemetry'
import { createLibp2p, type Libp2p, type Libp2pOptions } from 'libp2p'
import { isLoopback, parseHostPort, resolveJoinAddress, toMultiaddr } from './address.ts'
import { ClusterConfigError, ClusterStartError, ClusterStoppedError } from './errors.ts'
import {
  decodeHeartbeat,
  encodeHeartbeat,
  isShardCount,
  MAX_HEARTBEAT_BYTES,
  MAX_SHARD_WANTS,
  MAX_SINK_ID_LENGTH,
} from './heartbeat.ts'
import { MEMBER_STATES, type Member, NOT_FLUSHED } from './member.ts'
import { MemberTable } from './member-table.ts'
import { ClusterMetrics } from './metrics.ts'
import { OwnershipTable } from './ownership.ts'
import { secretKeyBytes } from './secret.ts'

/** The port used when a cluster address gives none, as Alloy's clustering does. */
export const DEFAULT_CLUSTER_PORT = 7946

export interface ClusterOptions {
  /** host:port for libp2p TCP; default `0.0.0.0:7946`. */
  listenAddr: string
  /** host:port other nodes should dial, when it differs from what this node sees (NAT, containers). */
  advertiseAddr?: string
  /** host:port or dns-name:port of nodes to join through; every A/AAAA record of a name is joined. Retried until reached. */
  joinAddresses: string[]
  nodeName: string
  /** Base URL of this node's HTTP data plane. */
  dataUrl: string
  /** `--cluster.name`: nodes with another name ignore each other's heartbeats. Default empty. */
  clusterName?: string
  /** Private-network key file contents (v1 swarm key, see {@link generateSecret}); nodes without it cannot connect. */
  secret?: Uint8Array
  /** Default 1000. */
  heartbeatIntervalMs?: number
  /** Default 5000: a member not heard from for this long is dead. */
  deadAfterMs?: number
  /** `--cluster.rejoin-interval`, default 60 000; 0 disables. Join addresses are dialled again this often so partitions heal. */
  rejoinIntervalMs?: number
  /** `--cluster.max-join-peers`, default 5: how many of the resolved join addresses to dial, chosen at random. */
  maxJoinPeers?: number
  /**
   * Connections are refused with peers (libp2p peer ids) for which this returns false, and open ones are
   * closed within a heartbeat interval. For an operator's block list; tests use it to cut a partition.
   */
  peerFilter?: (peerId: string) => boolean
  registry?: Registry
  logger?: Logger
}

/** Listener of {@link Cluster.on}('change'). */
export type ChangeListener = (table: OwnershipTable) => void
/** Listener of {@link Cluster.on}('shards'): some sink's agreed shard count changed. */
export type ShardsListener = () => void

type Node = Libp2p<{ identify: unknown; pubsub: GossipSub }>

const BASE_TOPIC = '/sluice/membership/1'
/** Upper bound of the delay between join attempts while no join address has answered. */
const MAX_JOIN_BACKOFF_MS = 10_000

function stripPeerId(addr: string): string {
  return addr.replace(/\/p2p\/[^/]+$/, '')
}

/**
 * This node's membership in a Sluice cluster: libp2p connections to every member, a heartbeat on a
 * gossipsub topic, the resulting view of live and ready members, and the ownership table over the
 * ready ones. See docs/cluster.md for the timings and the failure model.
 */
export class Cluster {
  readonly #node: Node
  readonly #options: ClusterOptions
  readonly #log: Logger
  readonly #metrics: ClusterMetrics
  readonly #topic: string
  readonly #clusterName: string
  readonly #heartbeatMs: number
  readonly #table: MemberTable
  readonly #self: Member
  readonly #connected = new Set<string>()
  readonly #dialling = new Set<string>()
  readonly #listeners = new Set<ChangeListener>()
  readonly #shardListeners = new Set<ShardsListener>()
  /** The agreed shard counts as of the last refresh, by sink id. */
  #agreed = new Map<string, number>()
  readonly #sizeWaiters = new Set<() => void>()
  #seq = 0
  #publishPending = false
  #ownership: OwnershipTable = new OwnershipTable([])
  #readyKey = ''
  #stopped = false
  #tickTimer: NodeJS.Timeout | undefined
  #joinTimer: NodeJS.Timeout | undefined
  #joinBackoffMs: number

  private constructor(node: Node, options: ClusterOptions, self: Member) {
    this.#node = node
    this.#options = options
    this.#self = self
    this.#log = (options.logger ?? nullLogger).child({ component: 'cluster' })
    this.#metrics = new ClusterMetrics(options.registry)
    this.#clusterName = options.clusterName ?? ''
    this.#topic = this.#clusterName === '' ? BASE_TOPIC : `${BASE_TOPIC}/${this.#clusterName}`
    this.#heartbeatMs = options.heartbeatIntervalMs ?? 1000
    const deadAfterMs = options.deadAfterMs ?? 5000
    // Two missed heartbeats after the connection dropped: long enough for a relayed heartbeat to arrive.
    this.#table = new MemberTable(deadAfterMs, Math.min(deadAfterMs, 2 * this.#heartbeatMs))
    this.#joinBackoffMs = this.#heartbeatMs
  }

  /** Starts libp2p, subscribes to the membership topic and begins joining. The node is `joining`. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const listen = parseHostPort(
      options.listenAddr || `0.0.0.0:${DEFAULT_CLUSTER_PORT}`,
      DEFAULT_CLUSTER_PORT,
    )
    if (isIP(listen.host) === 0) {
      throw new ClusterConfigError(`cluster listen address ${options.listenAddr} must be an IP address`)
    }
    const announce = options.advertiseAddr
      ? [toMultiaddr(parseHostPort(options.advertiseAddr, DEFAULT_CLUSTER_PORT))]
      : []
    for (const a of options.joinAddresses) parseHostPort(a, DEFAULT_CLUSTER_PORT)
    const heartbeatMs = options.heartbeatIntervalMs ?? 1000
    if (!(heartbeatMs > 0) || !((options.deadAfterMs ?? 5000) > heartbeatMs)) {
      throw new ClusterConfigError(
        'cluster heartbeat interval must be positive and shorter than the dead-after time',
      )
    }
    const filter = options.peerFilter
    const libp2pOptions: Libp2pOptions<{ identify: unknown; pubsub: GossipSub }> = {
      privateKey: await generateKeyPair('Ed25519'),
      addresses: { listen: [toMultiaddr(listen)], announce },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // Heartbeats already tell whether a peer lives; the ping monitor would need a ping service.
      connectionMonitor: { enabled: false },
      services: {
        identify: identify(),
        pubsub: gossipsub({
          // Alone, or before subscriptions are exchanged, a heartbeat simply reaches nobody.
          allowPublishToZeroTopicPeers: true,
          // Every member is directly connected: flood publishing hands each heartbeat to all of them
          // at once; the mesh (small, as clusters are) only relays to members not yet connected.
          floodPublish: true,
          D: 4,
          Dlo: 2,
          Dhi: 8,
          Dlazy: 4,
          heartbeatInterval: Math.min(heartbeatMs, 1000),
          fallbackToFloodsub: false,
          emitSelf: false,
          maxInboundDataLength: MAX_HEARTBEAT_BYTES,
          // Containers behind one NAT, or tests on 127.0.0.1, share an IP: no co-location penalty.
          scoreParams: { IPColocationFactorWeight: 0 },
        }),
      },
    }
    if (options.secret !== undefined) {
      // A malformed key fails here as a config error, not later as failed handshakes.
      secretKeyBytes(options.secret)
      libp2pOptions.connectionProtector = preSharedKey({ psk: options.secret })
    }
    if (filter !== undefined) {
      libp2pOptions.connectionGater = {
        denyDialPeer: (peer) => !filter(peer.toString()),
        denyInboundEncryptedConnection: (peer) => !filter(peer.toString()),
        denyOutboundEncryptedConnection: (peer) => !filter(peer.toString()),
      }
    }
    let node: Node
    try {
      node = await createLibp2p(libp2pOptions)
    } catch (cause) {
      throw new ClusterStartError(`cannot start cluster networking on ${options.listenAddr}`, { cause })
    }
    const self: Member = {
      id: node.peerId.toString(),
      name: options.nodeName || hostname(),
      dataUrl: options.dataUrl,
      state: 'joining',
      generation: Date.now(),
      lastSeen: Date.now(),
      flushed: NOT_FLUSHED,
      shards: {},
    }
    const cluster = new Cluster(node, options, self)
    cluster.#begin()
    return cluster
  }

  #begin(): void {
    const node = this.#node
    node.addEventListener('peer:connect', (evt) => {
      const id = evt.detail.toString()
      this.#connected.add(id)
      this.#table.connected(id)
      this.#metrics.peerConnections.set(this.#connected.size)
    })
    node.addEventListener('peer:disconnect', (evt) => {
      const id = evt.detail.toString()
      this.#connected.delete(id)
      this.#table.disconnected(id, Date.now())
      this.#metrics.peerConnections.set(this.#connected.size)
    })
    node.services.pubsub.subscribe(this.#topic)
    node.services.pubsub.addEventListener('message', (evt) => this.#onMessage(evt.detail))
    // A peer that just subscribed hears from us now rather than a whole heartbeat interval later.
    node.services.pubsub.addEventListener('subscription-change', (evt) => {
      if (evt.detail.subscriptions.some((s) => s.subscribe && s.topic === this.#topic)) this.#publishSoon()
    })
    this.#log.info(
      {
        id: this.#self.id,
        name: this.#self.name,
        addrs: node.getMultiaddrs().map(String),
        topic: this.#topic,
      },
      'cluster node started',
    )
    this.#tickTimer = setInterval(() => this.#tick(), this.#heartbeatMs)
    this.#tickTimer.unref()
    this.#refresh()
    void this.#publish()
    this.#startJoin()
  }

  #startJoin(): void {
    this.#join().catch((err: unknown) => this.#log.error({ err }, 'cluster join failed'))
  }

  /** This node as the others see it. */
  get self(): Member {
    return { ...this.#self, lastSeen: Date.now() }
  }

  /** The host:port pairs libp2p listens on (the real port when the listen address asked for port 0). */
  listenAddresses(): string[] {
    return this.#node.getMultiaddrs().map((a) => {
      const [, proto, host, , port] = stripPeerId(a.toString()).split('/')
      return proto === 'ip6' ? `[${host}]:${port}` : `${host}:${port}`
    })
  }

  /** Every live member, this node included, sorted by id. */
  members(): Member[] {
    return [this.self, ...this.#table.members()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /** The members that own keys: state `ready`, this node included when it is. */
  readyMembers(): Member[] {
    return this.members().filter((m) => m.state === 'ready')
  }

  /** The current ownership table over the ready members. */
  ownership(): OwnershipTable {
    return this.#ownership
  }

  /** Starts owning keys: to be called once this node's components run and `--cluster.wait-for-size` is met. */
  markReady(): void {
    if (this.#stopped || this.#self.state === 'leaving') {
      throw new ClusterStoppedError('cannot mark a leaving or stopped cluster node ready')
    }
    if (this.#self.state === 'ready') return
    this.#self.state = 'ready'
    this.#log.info({ id: this.#self.id }, 'cluster node ready')
    this.#refresh()
    void this.#publish()
  }

  /**
   * Announces `leaving` and keeps running: the others drop this node from ownership as soon as they
   * hear it, and keep hearing its heartbeats (with its {@link setFlushed} claim) while it drains.
   */
  async startLeaving(): Promise<void> {
    if (this.#stopped || this.#self.state === 'leaving') return
    this.#self.state = 'leaving'
    this.#log.info({ id: this.#self.id }, 'cluster node leaving')
    this.#refresh()
    await this.#publish()
  }

  /**
   * Publishes this node's hand-over claim: everything it wrote under ownership tables older than
   * `version` is delivered ({@link NOT_FLUSHED} withdraws the claim). The heartbeat goes out at once,
   * since new owners hold writes until they hear it.
   */
  setFlushed(version: number): void {
    if (this.#self.flushed === version) return
    this.#self.flushed = version
    this.#publishSoon()
  }

  /**
   * Publishes the shard count this node wants for a sink (undefined: none, the sink is gone). The
   * heartbeat goes out at once: the others switch to a larger count as soon as they hear it.
   */
  wantShards(sinkId: string, count: number | undefined): void {
    if (this.#self.shards[sinkId] === count) return
    // The bounds keep the heartbeat within what the others accept (a heartbeat they drop would make
    // this node look dead to them).
    if (count !== undefined && sinkId.length > MAX_SINK_ID_LENGTH)
      throw new ClusterConfigError(
        `remote-write sink id ${sinkId.slice(0, 40)}... is longer than ${MAX_SINK_ID_LENGTH} characters`,
      )
    if (count !== undefined && !(sinkId in this.#self.shards)) {
      if (Object.keys(this.#self.shards).length >= MAX_SHARD_WANTS)
        throw new ClusterConfigError(
          `more than ${MAX_SHARD_WANTS} remote-write endpoints on one clustered node`,
        )
    }
    if (count !== undefined && !isShardCount(count))
      throw new ClusterConfigError(`shard count ${count} is not an integer from 1 to 65536`)
    const shards = { ...this.#self.shards }
    if (count === undefined) delete shards[sinkId]
    else shards[sinkId] = count
    this.#self.shards = shards
    this.#publishSoon()
    this.#refreshShards()
  }

  /**
   * The shard count a sink runs with in the cluster: the largest any live member wants for it (this
   * one included), undefined when none does. Every member computes it from the same heartbeats, so
   * they agree once they have heard the same ones; a record split for another count is refused by its
   * owner meanwhile, and its edge retries.
   */
  agreedShards(sinkId: string): number | undefined {
    return this.#agreed.get(sinkId)
  }

  /**
   * Announces `leaving` (unless already done), gives the heartbeat a moment to be written out, then
   * stops.
   */
  async leave(): Promise<void> {
    if (this.#stopped) return
    await this.startLeaving()
    await this.#publish()
    await new Promise((resolve) => setTimeout(resolve, Math.min(this.#heartbeatMs, 200)))
    await this.stop()
  }

  /** Stops at once without telling anyone (the others notice the closed connections or the silence). */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    clearInterval(this.#tickTimer)
    clearTimeout(this.#joinTimer)
    for (const wake of this.#sizeWaiters) wake()
    this.#listeners.clear()
    this.#shardListeners.clear()
    await this.#node.stop()
    this.#log.info({ id: this.#self.id }, 'cluster node stopped')
  }

  /**
   * `change`: calls `listener` with the new table whenever the ready set changes. `shards`: calls it
   * whenever the agreed shard count of some sink changes ({@link agreedShards}). Returns the unsubscribe.
   */
  on(event: 'change', listener: ChangeListener): () => void
  on(event: 'shards', listener: ShardsListener): () => void
  on(event: 'change' | 'shards', listener: ChangeListener | ShardsListener): () => void {
    if (event === 'shards') {
      const l = listener as ShardsListener
      this.#shardListeners.add(l)
      return () => {
        this.#shardListeners.delete(l)
      }
    }
    if (event !== 'change') throw new ClusterConfigError(`unknown cluster event ${String(event)}`)
    const l = listener as ChangeListener
    this.#listeners.add(l)
    return () => {
      this.#listeners.delete(l)
    }
  }

  /**
   * Resolves true once at least `n` members (this one included; joining or ready, not leaving) are
   * live, or false when `timeoutMs` passes first (0: no timeout) or the node stops. This is Alloy's
   * `--cluster.wait-for-size` / `--cluster.wait-timeout`: it counts members that are not yet ready,
   * since every node waits before it marks itself ready.
   */
  waitForSize(n: number, timeoutMs: number): Promise<boolean> {
    const reached = () => this.members().filter((m) => m.state !== 'leaving').length >= n
    if (reached()) return Promise.resolve(true)
    if (this.#stopped) return Promise.resolve(false)
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const check = () => {
        const ok = reached()
        if (!ok && !this.#stopped) return
        this.#sizeWaiters.delete(check)
        clearTimeout(timer)
        resolve(ok)
      }
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.#sizeWaiters.delete(check)
          resolve(reached())
        }, timeoutMs)
      }
      this.#sizeWaiters.add(check)
    })
  }

  #onMessage(msg: Message): void {
    if (msg.topic !== this.#topic) return
    const hb = decodeHeartbeat(msg.data)
    // Signed messages carry the publisher's key: a member can only speak for itself.
    if (!hb || msg.type !== 'signed' || msg.from.toString() !== hb.id || hb.cluster !== this.#clusterName) {
      this.#metrics.heartbeatsInvalid.inc()
      return
    }
    if (hb.id === this.#self.id) return
    this.#metrics.heartbeatsReceived.inc()
    const before = this.#table.get(hb.id)
    const result = this.#table.observe(hb, Date.now())
    if (result === 'stale') return
    if (result === 'added') {
      this.#log.info(
        { member: hb.id, name: hb.name, state: hb.state, dataUrl: hb.dataUrl },
        'cluster member joined',
      )
    } else if (before && before.state !== hb.state) {
      this.#log.info(
        { member: hb.id, name: hb.name, from: before.state, to: hb.state },
        'cluster member changed state',
      )
    }
    this.#ensureConnected(hb.id)
    this.#refresh()
  }

  #tick(): void {
    if (this.#stopped) return
    void this.#publish()
    for (const gone of this.#table.expire(Date.now())) {
      this.#log.info({ member: gone.id, name: gone.name, lastSeen: gone.lastSeen }, 'cluster member removed')
    }
    for (const m of this.#table.members()) this.#ensureConnected(m.id)
    const filter = this.#options.peerFilter
    if (filter !== undefined) {
      for (const conn of this.#node.getConnections()) {
        if (!filter(conn.remotePeer.toString())) void conn.close().catch(() => undefined)
      }
    }
    this.#refresh()
  }

  #publishSoon(): void {
    if (this.#publishPending) return
    this.#publishPending = true
    setImmediate(() => {
      this.#publishPending = false
      void this.#publish()
    })
  }

  async #publish(): Promise<void> {
    if (this.#stopped) return
    const self = this.#self
    const addrs = this.#node.getMultiaddrs().map(String)
    const routable = addrs.filter((a) => !isLoopback(a))
    const data = encodeHeartbeat({
      cluster: this.#clusterName,
      id: self.id,
      name: self.name,
      dataUrl: self.dataUrl,
      state: self.state,
      generation: self.generation,
      seq: ++this.#seq,
      addrs: routable.length > 0 ? routable : addrs,
      flushed: self.flushed,
      shards: self.shards,
    })
    try {
      await this.#node.services.pubsub.publish(this.#topic, data)
    } catch (err) {
      this.#log.debug({ err }, 'heartbeat not published')
    }
  }

  /** Dials a member learnt from a heartbeat unless a connection or a dial to it exists: the cluster is a full mesh. */
  #ensureConnected(id: string): void {
    if (this.#stopped || this.#connected.has(id) || this.#dialling.has(id)) return
    if (this.#options.peerFilter && !this.#options.peerFilter(id)) return
    const addrs = this.#table.addrsOf(id).map((a) => multiaddr(a.includes('/p2p/') ? a : `${a}/p2p/${id}`))
    if (addrs.length === 0) return
    this.#dialling.add(id)
    this.#node
      .dial(addrs)
      .catch((err: unknown) => this.#log.debug({ member: id, err }, 'dial to cluster member failed'))
      .finally(() => this.#dialling.delete(id))
  }

  /**
   * Dials the join addresses that are not this node and not an already connected member, at most
   * `maxJoinPeers` of them picked at random. While nothing answers, retries with a doubling delay;
   * afterwards repeats every `rejoinIntervalMs` so that a partition heals.
   */
  async #join(): Promise<void> {
    const options = this.#options
    if (this.#stopped || options.joinAddresses.length === 0) return
    const resolved = await Promise.all(
      options.joinAddresses.map((a) => resolveJoinAddress(a, DEFAULT_CLUSTER_PORT)),
    )
    if (this.#stopped) return
    const known = new Set(this.#node.getMultiaddrs().map((a) => stripPeerId(a.toString())))
    for (const m of this.#table.members()) {
      if (this.#connected.has(m.id)) for (const a of this.#table.addrsOf(m.id)) known.add(stripPeerId(a))
    }
    const candidates = [...new Set(resolved.flat())].filter((a) => !known.has(a))
    shuffle(candidates)
    const picked = candidates.slice(0, options.maxJoinPeers ?? 5)
    const results = await Promise.allSettled(picked.map((a) => this.#node.dial(multiaddr(a))))
    results.forEach((r, i) => {
      if (r.status === 'rejected')
        this.#log.debug({ addr: picked[i], err: r.reason }, 'join address not reached')
    })
    if (this.#stopped) return
    let delay: number
    if (this.#connected.size > 0) {
      this.#joinBackoffMs = this.#heartbeatMs
      delay = options.rejoinIntervalMs ?? 60_000
      if (delay <= 0) return
    } else {
      this.#log.warn(
        { joinAddresses: options.joinAddresses, retryInMs: this.#joinBackoffMs },
        'no cluster peer reached',
      )
      delay = this.#joinBackoffMs
      this.#joinBackoffMs = Math.min(this.#joinBackoffMs * 2, MAX_JOIN_BACKOFF_MS)
    }
    this.#joinTimer = setTimeout(() => this.#startJoin(), delay)
    this.#joinTimer.unref()
  }

  /** Recomputes the agreed shard counts; on a change, tells the shard listeners. */
  #refreshShards(): void {
    const agreed = new Map<string, number>()
    for (const m of this.members()) {
      for (const [sinkId, count] of Object.entries(m.shards)) {
        if (count > (agreed.get(sinkId) ?? 0)) agreed.set(sinkId, count)
      }
    }
    const same =
      agreed.size === this.#agreed.size && [...agreed].every(([id, n]) => this.#agreed.get(id) === n)
    if (same) return
    this.#agreed = agreed
    this.#log.info({ shards: Object.fromEntries(agreed) }, 'cluster remote-write shard counts changed')
    for (const listener of [...this.#shardListeners]) {
      try {
        listener()
      } catch (err) {
        this.#log.error({ err }, 'cluster shards listener failed')
      }
    }
  }

  /** Recomputes gauges and the ready set; on a change, a new ownership table goes to the listeners. */
  #refresh(): void {
    this.#refreshShards()
    const members = this.members()
    for (const state of MEMBER_STATES) {
      this.#metrics.members.set({ state }, members.filter((m) => m.state === state).length)
    }
    for (const wake of [...this.#sizeWaiters]) wake()
    const ready = members.filter((m) => m.state === 'ready')
    const key = ready.map((m) => m.id).join(',')
    if (key === this.#readyKey) return
    this.#readyKey = key
    this.#ownership = new OwnershipTable(ready)
    this.#metrics.ownershipChanges.inc()
    this.#log.info(
      { version: this.#ownership.version, ready: ready.map((m) => ({ id: m.id, name: m.name })) },
      'cluster ownership changed',
    )
    for (const listener of [...this.#listeners]) {
      try {
        listener(this.#ownership)
      } catch (err) {
        this.#log.error({ err }, 'cluster change listener failed')
      }
    }
  }
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = items[i]!
    items[i] = items[j]!
    items[j] = t
  }
}
