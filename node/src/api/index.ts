/**
 * The local control API: JSON over HTTP on loopback, used by the `mhc` CLI.
 * Every request carries the bearer token from DIR/api.token (mode 0600), so
 * other local users and web pages cannot drive the node (decision 0005).
 * Its components are only what its routes use, so tests build it in-process
 * on real parts and drive it with `inject()`.
 */

import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import type { ContentRouting, Libp2p, PeerId } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { DaemonInfo, IdInfo, Startable } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'
import type { Blockstore } from 'interface-blockstore'
import type { Logger } from 'pino'
import type { Announcements } from '../announcements/index.js'
import type { Catalogue } from '../catalogue/index.js'
import type { Distributor } from '../distribute/index.js'
import type { ForensicExports } from '../forensics/exports.js'
import type { Forensics } from '../forensics/index.js'
import type { Live } from '../live/index.js'
import type { LiveNetwork } from '../live/network/index.js'
import type { KeyDelegations } from '../money/delegations.js'
import type { EntitlementStore } from '../money/index.js'
import type { Profiles } from '../profile/index.js'
import type { Publisher } from '../publish/index.js'
import type { Roles } from '../roles/index.js'
import type { Social } from '../social/index.js'
import { DefaultControlApi } from './server.js'

export interface ControlApiComponents {
  logger: Logger
  /** What `mhc id` and DIR/daemon.json say about this node. */
  identity: { id(): IdInfo, info(): DaemonInfo }
  network: Pick<Libp2p, 'dial' | 'getConnections'> & { readonly peerId: PeerId }
  contentRouting: Pick<ContentRouting, 'findProviders'>
  ping: Pick<Ping, 'ping'>
  unixfs: Pick<UnixFS, 'addAll' | 'cat' | 'ls' | 'stat'>
  blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>
  pins: Pick<Pins, 'add' | 'isPinned'>
  publisher: Pick<Publisher, 'publish'>
  catalogue: Pick<Catalogue, 'list'>
  announcements: Pick<Announcements, 'list'>
  /** `mhc add` provides what it stores, as `ipfs add` does. */
  distributor: Pick<Distributor, 'queue'>
  social: Pick<Social, 'send' | 'join' | 'history' | 'counts' | 'addEventListener' | 'removeEventListener' | 'mute' | 'unmute' | 'muted'>
  roles: Pick<Roles, 'grant' | 'revoke' | 'list'>
  live: Pick<Live, 'create' | 'end' | 'vod'>
  /** The node's view of live streams across the network: `mhc live ls` and `mhc live watch`. */
  liveNetwork: Pick<LiveNetwork, 'list' | 'watch'>
  /** `mhc profile`; chat lines carry the author's profile name once it is known. */
  profiles: Pick<Profiles, 'key' | 'set' | 'get' | 'nameOf'>
  /** `mhc entitlements ls`, and keeping one handed to the node. */
  entitlements: Pick<EntitlementStore, 'list' | 'isRevoked' | 'add'>
  /** `mhc keys delegate`, `delegations`, `revoke-delegation`. */
  keyDelegations: Pick<KeyDelegations, 'delegate' | 'revoke' | 'list'>
  /** `mhc forensics`: the node's forensic log. */
  forensics: Pick<Forensics, 'origin' | 'vkey' | 'entries' | 'checkpoint' | 'prove' | 'verify'>
  /** `mhc forensics export`: evidence bundles. */
  forensicExports: Pick<ForensicExports, 'bundle'>
}

export interface ControlApiInit {
  host: string
  port: number
  /** The bearer token every request must carry. */
  token: string
  /** How long a fetch waits for peers unless the request says otherwise. */
  fetchTimeoutMs: number
}

export interface ControlApi extends Startable {
  /** `http://HOST:PORT` once started. */
  readonly url: string
  readonly app: FastifyInstance
}

/**
 * @example
 * const api = controlApi({ host: '127.0.0.1', port: 0, token, fetchTimeoutMs: 60_000 })(components)
 * await api.start()
 * const res = await api.app.inject({ url: '/v1/id', headers: { authorization: `Bearer ${token}` } })
 */
export function controlApi (init: ControlApiInit): (components: ControlApiComponents) => ControlApi {
  return (components) => new DefaultControlApi(components, init)
}
