/**
 * Control API routes (`/v1/...`). Request schemas come from protocols
 * (wire/control-api.ts) and type the handlers through the TypeBox type
 * provider; the handlers only translate HTTP to the node's services.
 */

import { isAbsolute } from 'node:path'
import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { peerIdFromString } from '@libp2p/peer-id'
import { blockBytes, clientGone, translateFetchError } from '@mhc/gateway'
import {
  AddResult, CatalogueItem, CatQuery, CidParams, ConnectRequest, DaemonInfo, DialFailedError, GetRequest, IdInfo, isManifestCid, NotAManifestError,openManifest, 
  PathNotReadableError, PathRequest, PeerEntry, PeerParams, type PublishLine, PublishRequest, parseCid, parseCidPath, TimeoutQuery, WireFormatError 
} from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import { Type } from 'typebox'
import { exportCar, importCar } from '../content/car.js'
import { addFile, catPath, getToPath } from '../content/index.js'
import { parseMultiaddr } from '../p2p/multiaddr.js'
import { errorBody } from './errors.js'
import type { ControlApiComponents, ControlApiInit } from './index.js'

export function controlRoutes (c: ControlApiComponents, init: Pick<ControlApiInit, 'fetchTimeoutMs'>): FastifyPluginAsyncTypebox {
  const timeoutMs = init.fetchTimeoutMs
  const content = { unixfs: c.unixfs, blockstore: c.blockstore, pins: c.pins }
  return async (app) => {
    app.get('/v1/id', { schema: { response: { 200: IdInfo } } }, async () => c.identity.id())
    app.get('/v1/daemon', { schema: { response: { 200: DaemonInfo } } }, async () => c.identity.info())

    app.post('/v1/connect', { schema: { body: ConnectRequest } }, async (request) => {
      const ma = parseMultiaddr(request.body.multiaddr)
      if (ma.getComponents().find(p => p.name === 'p2p') === undefined) throw new DialFailedError('The multiaddr must end in /p2p/<peerId>')
      try {
        const conn = await c.network.dial(ma, { signal: AbortSignal.timeout(15_000) })
        return { peerId: conn.remotePeer.toString() }
      } catch (err) {
        throw new DialFailedError(`Could not connect to ${request.body.multiaddr}: ${(err as Error).message}`, { cause: err })
      }
    })

    // One entry per peer (a peer may hold several connections).
    app.get('/v1/peers', { schema: { response: { 200: Type.Array(PeerEntry) } } }, async () => {
      const byPeer = new Map<string, string>()
      for (const conn of c.network.getConnections()) {
        if (!byPeer.has(conn.remotePeer.toString())) byPeer.set(conn.remotePeer.toString(), conn.remoteAddr.toString())
      }
      return [...byPeer].map(([peerId, multiaddr]) => ({ peerId, multiaddr }))
    })

    // Stored, pinned, then provided in the background, as `ipfs add` does.
    app.post('/v1/add', { schema: { body: PathRequest, response: { 200: AddResult } } }, async (request, reply) => {
      const added = await addFile(content, absolute(request.body.path), { signal: clientGone(reply.raw) })
      c.distributor.queue([CID.parse(added.cid)])
      return added
    })

    // NDJSON: progress lines, then one {"type":"result"} or {"type":"error"} line (PublishLine).
    app.post('/v1/publish', { schema: { body: PublishRequest } }, async (request, reply) => {
      const out = new PassThrough()
      const line = (v: PublishLine): void => { out.write(JSON.stringify(v) + '\n') }
      const signal = clientGone(reply.raw)
      c.publisher.publish({ ...request.body, path: absolute(request.body.path) }, { signal, onProgress: e => { line(e.detail) } })
        // A published video's chat, reactions and views are this node's to hear and keep.
        .then(async result => { await c.social.join(result.manifest).catch(() => {}); line({ type: 'result', result }) }, err => { line({ type: 'error', ...errorBody(err) }) })
        .finally(() => out.end())
      return reply.type('application/x-ndjson').send(out)
    })

    app.get('/v1/catalogue', { schema: { response: { 200: Type.Array(CatalogueItem) } } }, async () => {
      return await Promise.all((await c.catalogue.list()).map(async e => ({ ...e, ...await c.social.counts(e.manifest) })))
    })
    app.get('/v1/announcements', async () => c.announcements.list())

    app.get('/v1/manifest/:cid', { schema: { params: CidParams, querystring: TimeoutQuery } }, async (request, reply) => {
      const cid = parseCid(request.params.cid)
      if (!isManifestCid(cid)) throw new NotAManifestError(`${request.params.cid} is not a dag-cbor block, so it cannot be a manifest`)
      const deadline = AbortSignal.timeout(request.query.timeoutMs ?? timeoutMs)
      const signal = AbortSignal.any([deadline, clientGone(reply.raw)])
      let bytes: Uint8Array
      try {
        bytes = await blockBytes(c.blockstore, cid, { signal })
      } catch (err) {
        throw translateFetchError(err, request.params.cid, { deadline })
      }
      const verified = await openManifest(bytes, cid)
      return { cid: verified.cid.toString(), manifest: verified.manifest }
    })

    app.post('/v1/get', { schema: { body: GetRequest } }, async (request, reply) => {
      return getToPath(content, request.body.cid, absolute(request.body.out), { timeoutMs: request.body.timeoutMs ?? timeoutMs, signal: clientGone(reply.raw) })
    })

    app.get('/v1/cat', { schema: { querystring: CatQuery } }, async (request, reply) => {
      const source = catPath(content, request.query.arg, { timeoutMs: request.query.timeoutMs ?? timeoutMs, signal: clientGone(reply.raw) })
      // Pull the first chunk before answering, so a missing CID is a clean error status.
      const first = await source.next()
      const out = new PassThrough()
      reply.type('application/octet-stream').send(out)
      void (async () => {
        try {
          if (first.done !== true) out.write(first.value)
          for await (const chunk of source) {
            if (!out.write(chunk)) await new Promise(resolve => out.once('drain', resolve))
          }
          out.end()
        } catch (err) {
          out.destroy(err as Error)
        }
      })()
      return reply
    })

    app.post('/v1/car/import', { schema: { body: PathRequest } }, async (request, reply) => {
      return importCar({ blockstore: c.blockstore, pins: c.pins }, absolute(request.body.path), { signal: clientGone(reply.raw) })
    })

    app.post('/v1/car/export', { schema: { body: GetRequest } }, async (request, reply) => {
      const { cid, path } = parseCidPath(request.body.cid)
      return exportCar(c.blockstore, cid, absolute(request.body.out), { path, timeoutMs: request.body.timeoutMs ?? timeoutMs, signal: clientGone(reply.raw) })
    })

    // Who provides a CID, as the DHT says (the `ipfs routing findprovs` of MHC).
    app.get('/v1/providers/:cid', { schema: { params: CidParams, querystring: TimeoutQuery } }, async (request, reply) => {
      const cid = parseCid(request.params.cid)
      const signal = AbortSignal.any([AbortSignal.timeout(request.query.timeoutMs ?? 10_000), clientGone(reply.raw)])
      const found = new Map<string, string[]>()
      try {
        for await (const p of c.contentRouting.findProviders(cid, { signal })) {
          found.set(p.id.toString(), [...new Set(p.multiaddrs.map(String))])
          if (found.size >= 20) break
        }
      } catch (err) {
        if (!signal.aborted) throw err
      }
      return [...found].map(([peerId, multiaddrs]) => ({ peerId, multiaddrs }))
    })

    app.get('/v1/ping/:peer', { schema: { params: PeerParams } }, async (request) => {
      let peer: ReturnType<typeof peerIdFromString>
      try {
        peer = peerIdFromString(request.params.peer)
      } catch (err) {
        throw new WireFormatError(`Not a peer id: ${JSON.stringify(request.params.peer.slice(0, 80))}`, { cause: err })
      }
      return { ms: await c.ping.ping(peer, { signal: AbortSignal.timeout(10_000) }) }
    })
  }
}

function absolute (path: string): string {
  if (!isAbsolute(path)) throw new PathNotReadableError(`The daemon needs an absolute path, got ${JSON.stringify(path)}`)
  return path
}
