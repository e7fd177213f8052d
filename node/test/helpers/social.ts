/**
 * Shared pieces of the social layer's network tests: keys, links between
 * in-process nodes, and a bare libp2p peer that speaks gossipsub and any
 * protocol a test gives it, with no MHC validation of its own (an attacker).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { type GossipSub, gossipsub, type TopicValidatorFn, type TopicValidatorResult } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { ConnectionGater, Libp2p, PeerId } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { type Signer, sealManifest, toBase64url } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { ed25519 } from '@noble/curves/ed25519.js'
import { createLibp2p } from 'libp2p'
import type { InProcessNode } from '../../src/testing/in-process.js'

export const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
export const OTHER_MANIFEST = 'bafyreia7opnrd3pyodjx5exnoppk5xv2maqrtgvkmamxillbxs6be6bd5e'

export function randomSigner (): Signer {
  const sk = ed25519.utils.randomSecretKey()
  return { publicKey: ed25519.getPublicKey(sk), sign: (d: Uint8Array) => ed25519.sign(d, sk) }
}

export type RawPeer = Libp2p<{ pubsub: GossipSub }>

/** A bare libp2p peer on loopback: gossipsub without topic validators, so it publishes whatever bytes it is given. */
export async function rawPeer (): Promise<RawPeer> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }) }
  })
}

type Peerish = InProcessNode | RawPeer
const lib = (p: Peerish): Libp2p<{ pubsub: GossipSub }> => 'p2p' in p ? p.p2p.helia.libp2p : p

/** Dial `to` from `from` (loopback). */
export async function connect (from: Peerish, to: Peerish): Promise<void> {
  const addr = lib(to).getMultiaddrs()[0]
  if (addr === undefined) throw new Error('no listen address')
  await lib(from).dial(addr, { signal: AbortSignal.timeout(10_000) })
}

/**
 * Keep a topology: each node dials (and lets in) no other node of the group
 * but its neighbours in `links`; peers outside the group are not affected.
 * Without this, the nodes' DHT finds the others through its neighbours and
 * connects everyone to everyone within a second, so a line is a line only at
 * the start. Set on the stack's own connection gater, which libp2p consults
 * before every dial and for every inbound connection.
 */
export function keepTopology (nodes: InProcessNode[], links: Array<[InProcessNode, InProcessNode]>): void {
  const ids = nodes.map(n => n.p2p.helia.libp2p.peerId)
  for (const n of nodes) {
    const self = n.p2p.helia.libp2p.peerId
    const neighbours = links.flatMap(([x, y]) => x === n ? [y] : y === n ? [x] : []).map(m => m.p2p.helia.libp2p.peerId)
    const denied = (peer: PeerId): boolean => ids.some(id => id.equals(peer)) && !peer.equals(self) && !neighbours.some(id => id.equals(peer))
    const gater = (n.p2p.helia.libp2p as unknown as { components: { connectionGater: ConnectionGater } }).components.connectionGater
    gater.denyDialPeer = async (peer) => denied(peer)
    gater.denyInboundEncryptedConnection = async (peer) => denied(peer)
  }
}

/** Whether `of` is directly connected to `n`. */
export function directlyConnected (n: Peerish, of: Peerish): boolean {
  return lib(n).getConnections(lib(of).peerId).length > 0
}

/** `n` knows that `of` is subscribed to `topic`: a message `n` publishes there goes to `of`. */
export function knowsOnTopic (n: Peerish, of: Peerish, topic: string): boolean {
  return lib(n).services.pubsub.getSubscribers(topic).some(p => p.equals(lib(of).peerId))
}

/** Wait until both ends of each link know the other is on the topic: a message published before that reaches nobody. */
export async function meshed (links: Array<[Peerish, Peerish]>, topic: string): Promise<void> {
  for (const [x, y] of links) await eventually(() => knowsOnTopic(x, y, topic) && knowsOnTopic(y, x, topic), { what: 'both ends of a link on the topic' })
}

/** A peer's gossipsub score as `n` sees it (below -80, the graylist threshold, `n` ignores it). */
export function scoreOf (n: Peerish, of: Peerish): number {
  return (lib(n).services.pubsub as unknown as { getScore(peer: string): number }).getScore(lib(of).peerId.toString())
}

/** What a node's topic validator judged: who sent it, the bytes, and the verdict gossipsub got. */
export interface Seen { from: string, data: Uint8Array, verdict: TopicValidatorResult }

/** Record into `seen` every message the node's real topic validator (set when it joined `topic`) judges, with its verdict. */
export function watchValidator (node: InProcessNode, topic: string, seen: Seen[]): void {
  const validators = node.p2p.helia.libp2p.services.pubsub.topicValidators
  const inner = validators.get(topic)
  if (inner === undefined) throw new Error('the node has no validator on the topic: join it first')
  const recording: TopicValidatorFn = async (from, msg) => {
    const verdict = await inner(from, msg)
    seen.push({ from: from.toString(), data: msg.data, verdict })
    return verdict
  }
  validators.set(topic, recording)
}

export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((x, i) => x === b[i])

/** A signed manifest of a one-second audio-only video by `creator`: all tipped chat needs of a video (whom its tips go to); its blocks are not there. */
export async function tipVideo (creator: Signer): Promise<Awaited<ReturnType<typeof sealManifest>>> {
  const key = toBase64url(creator.publicKey)
  return await sealManifest({
    v: 1, title: 'Tip me', description: '', creator: key, created: '2026-11-24T00:00:00Z',
    root: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', master: 'master.m3u8', duration: 1,
    renditions: [{ name: 'audio', bandwidth: 1, averageBandwidth: 1, codecs: 'mp4a.40.2', playlist: 'audio/index.m3u8' }],
    licence: 'CC0-1.0', splits: [{ recipient: key, bps: 10000 }]
  }, creator)
}
