/**
 * One node of bench/chat: a libp2p node with MHC's own options, on the chat
 * topic with or without MHC's SocialValidator (as the daemon builds it: the
 * node:crypto verifier with its key cache), recording when each of the
 * bench's messages arrives. The same class runs in the bench's own process
 * (`--processes one`) or alone in a forked chat-node child (`--processes each`).
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { ed25519Verifier, type MhcServices } from '@mhc/node'
import { SocialValidator } from '@mhc/protocols'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { startLibp2p } from './quiet-libp2p.js'

/**
 * Milliseconds on a clock every process on this machine shares: the process's
 * time origin (the system clock at start, µs precision) plus the monotonic
 * time since. The bench checks the offset between processes before it trusts it.
 */
export function clock (): number {
  return performance.timeOrigin + performance.now()
}

export interface ChatPeerInit {
  topic: string
  /** Run MHC's SocialValidator as the topic validator; bare gossipsub otherwise. */
  validated: boolean
  /** Every message of the run, in publishing order: an arrival is recorded by its index. */
  messages: Uint8Array[]
}

const VERDICT = { accept: TopicValidatorResult.Accept, reject: TopicValidatorResult.Reject, ignore: TopicValidatorResult.Ignore } as const

/** The key a message is found by: its bytes, as a string (the 64-byte signature alone would do, but this is cheap and exact). */
const keyOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')

export class ChatPeer {
  /** [message index, arrival time on clock()], in arrival order. */
  readonly arrivals: Array<[number, number]> = []
  private readonly index: Map<string, number>
  private readonly cpuAtStart = process.cpuUsage()

  private constructor (readonly node: Libp2p<MhcServices>, private readonly init: ChatPeerInit) {
    this.index = new Map(init.messages.map((m, i) => [keyOf(m), i]))
  }

  static async start (init: ChatPeerInit): Promise<ChatPeer> {
    const peer = new ChatPeer(await startLibp2p(), init)
    const pubsub = peer.node.services.pubsub
    if (init.validated) {
      // Each node its own validator, as each daemon has; the rate is per author and 100 authors share the load.
      const validator = new SocialValidator({ now: Date.now, isMuted: () => false, verify: ed25519Verifier() })
      pubsub.topicValidators.set(init.topic, async (_peer, msg) => VERDICT[(await validator.validate(init.topic, msg.data)).verdict])
    }
    pubsub.addEventListener('message', evt => {
      const at = clock()
      if (evt.detail.topic !== init.topic) return
      const i = peer.index.get(keyOf(evt.detail.data))
      if (i !== undefined) peer.arrivals.push([i, at])
    })
    pubsub.subscribe(init.topic)
    return peer
  }

  get addr (): string {
    const a = this.node.getMultiaddrs()[0]
    if (a === undefined) throw new Error('libp2p has no listen address')
    return a.toString()
  }

  async dial (addrs: string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    for (const a of addrs) await this.node.dial(multiaddr(a), { signal: AbortSignal.any([AbortSignal.timeout(10_000), ...(options.signal === undefined ? [] : [options.signal])]) })
  }

  /** Peers subscribed to the topic and, of those, the ones in this node's mesh. */
  topicPeers (): { subscribers: number, mesh: number } {
    const pubsub = this.node.services.pubsub
    // The class has getMeshPeers; the exported GossipSub interface does not declare it.
    const meshPeers = (pubsub as unknown as Partial<{ getMeshPeers(topic: string): string[] }>).getMeshPeers?.(this.init.topic)
    if (meshPeers === undefined) throw new Error('this gossipsub has no getMeshPeers()')
    return { subscribers: pubsub.getSubscribers(this.init.topic).length, mesh: meshPeers.length }
  }

  /**
   * Publish every message at `rate` a second, paced from the first, and
   * return when each went out (clock()). The pacing is absolute: a late
   * message does not push the ones after it.
   */
  async publish (rate: number, options: { signal?: AbortSignal } = {}): Promise<number[]> {
    const pubsub = this.node.services.pubsub
    const sentAt: number[] = []
    const start = performance.now()
    for (const [i, m] of this.init.messages.entries()) {
      options.signal?.throwIfAborted()
      const wait = start + (i * 1000) / rate - performance.now()
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
      sentAt.push(clock())
      await pubsub.publish(this.init.topic, m)
    }
    return sentAt
  }

  /** CPU milliseconds this process spent since the peer started (all peers', in one process). */
  cpuMs (): number {
    const c = process.cpuUsage(this.cpuAtStart)
    return (c.user + c.system) / 1000
  }

  async stop (): Promise<void> {
    await this.node.stop()
  }
}

/** What the bench asks a peer, and what each answer carries: [arguments, result]. */
export interface ChatOps {
  start: [{ init: ChatPeerInit }, { addr: string }]
  dial: [{ addrs: string[] }, null]
  clock: [Record<string, never>, number]
  topicPeers: [Record<string, never>, { subscribers: number, mesh: number }]
  publish: [{ rate: number }, number[]]
  received: [Record<string, never>, number]
  report: [Record<string, never>, { arrivals: Array<[number, number]>, cpuMs: number }]
}
export type ChatOp = keyof ChatOps

type Served = Exclude<ChatOp, 'start'>
type Handler<K extends Served> = (peer: ChatPeer, args: ChatOps[K][0], signal?: AbortSignal) => Promise<ChatOps[K][1]> | ChatOps[K][1]
const withSignal = (signal?: AbortSignal): { signal?: AbortSignal } => signal === undefined ? {} : { signal }

const HANDLERS: { [K in Served]: Handler<K> } = {
  dial: async (peer, args, signal) => { await peer.dial(args.addrs, withSignal(signal)); return null },
  clock: () => clock(),
  topicPeers: peer => peer.topicPeers(),
  publish: async (peer, args, signal) => await peer.publish(args.rate, withSignal(signal)),
  received: peer => peer.arrivals.length,
  report: peer => ({ arrivals: peer.arrivals, cpuMs: peer.cpuMs() })
}

/** Run an op on a started peer (`start` makes one): the same code whether the peer is local or in a child. */
export async function serve<K extends Served> (peer: ChatPeer, op: K, args: ChatOps[K][0], signal?: AbortSignal): Promise<ChatOps[K][1]> {
  const handler = HANDLERS[op] as Handler<K> | undefined
  if (handler === undefined) throw new Error(`unknown op ${String(op)}`)
  return await handler(peer, args, signal)
}
