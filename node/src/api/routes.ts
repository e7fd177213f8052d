/**
 * Control API routes (`/v1/...`). Each route declares its body schema; the
 * handlers only translate HTTP to the same services the daemon wires up.
 */
import { PassThrough } from 'node:stream'
import { isAbsolute } from 'node:path'
import type { ServerResponse } from 'node:http'
import { peerIdFromString } from '@libp2p/peer-id'
import { Type } from 'typebox'
import { AbortedError, DialFailedError, NotAManifestError, openManifest, parseCid, PathNotReadableError, WireFormatError, type CatalogueEntry, type PeerEntry } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'
import { addFile, blockBytes, catPath, getToPath, mapFetchError } from '../content/index.js'
import { exportCar, importCar } from '../content/car.js'
import { errorBody } from './errors.js'
import { parseMultiaddr } from '../p2p/multiaddr.js'
import type { MhcNode } from '../daemon.js'

const PathBody = Type.Object({ path: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false })
const PublishBody = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 4096 }),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 5000 })),
  licence: Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))
}, { additionalProperties: false })
const ConnectBody = Type.Object({ multiaddr: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false })
const TimeoutMs = Type.Integer({ minimum: 100, maximum: 3_600_000 })
const GetBody = Type.Object({ cid: Type.String({ minLength: 1, maxLength: 4096 }), out: Type.String({ minLength: 1, maxLength: 4096 }), timeoutMs: Type.Optional(TimeoutMs) }, { additionalProperties: false })
const CidParams = Type.Object({ cid: Type.String({ minLength: 1, maxLength: 512 }) })
const CatQuery = Type.Object({ arg: Type.String({ minLength: 1, maxLength: 4096 }), timeoutMs: Type.Optional(TimeoutMs) })
const ManifestQuery = Type.Object({ timeoutMs: Type.Optional(TimeoutMs) })

export function registerRoutes (app: FastifyInstance, node: MhcNode): void {
  const libp2p = () => node.p2p.helia.libp2p
  const timeoutMs = node.config.fetchTimeoutMs

  app.get('/v1/id', async () => node.id())
  app.get('/v1/daemon', async () => node.info())

  app.post<{ Body: { multiaddr: string } }>('/v1/connect', { schema: { body: ConnectBody } }, async (request) => {
    const ma = parseMultiaddr(request.body.multiaddr)
    if (ma.getComponents().find(c => c.name === 'p2p') === undefined) throw new DialFailedError('The multiaddr must end in /p2p/<peerId>')
    try {
      const conn = await libp2p().dial(ma, { signal: AbortSignal.timeout(15_000) })
      return { peerId: conn.remotePeer.toString() }
    } catch (err) {
      throw new DialFailedError(`Could not connect to ${request.body.multiaddr}: ${(err as Error).message}`, { cause: err })
    }
  })

  // One entry per peer (a peer may hold several connections).
  app.get('/v1/peers', async (): Promise<PeerEntry[]> => {
    const byPeer = new Map<string, string>()
    for (const c of libp2p().getConnections()) {
      if (!byPeer.has(c.remotePeer.toString())) byPeer.set(c.remotePeer.toString(), c.remoteAddr.toString())
    }
    return [...byPeer].map(([peerId, multiaddr]) => ({ peerId, multiaddr }))
  })

  app.post<{ Body: { path: string } }>('/v1/add', { schema: { body: PathBody } }, async (request, reply) => {
    return addFile(node.content, absolute(request.body.path), { signal: closeSignal(reply.raw) })
  })

  // NDJSON: progress lines, then one {"type":"result"} or {"type":"error"} line.
  app.post<{ Body: { path: string, title?: string, description?: string, licence?: string } }>('/v1/publish', { schema: { body: PublishBody } }, async (request, reply) => {
    const out = new PassThrough()
    const line = (v: unknown): void => { out.write(JSON.stringify(v) + '\n') }
    const signal = closeSignal(reply.raw)
    node.publisher.publish({ ...request.body, path: absolute(request.body.path) }, { signal, onProgress: e => { line(e.detail) } })
      .then(result => { line({ type: 'result', result }) }, err => { line({ type: 'error', ...errorBody(err) }) })
      .finally(() => out.end())
    return reply.type('application/x-ndjson').send(out)
  })

  app.get('/v1/catalogue', async (): Promise<CatalogueEntry[]> => node.catalogue.list())
  app.get('/v1/announcements', async () => node.announcer.announcements())

  app.get<{ Params: { cid: string }, Querystring: { timeoutMs?: number } }>('/v1/manifest/:cid', { schema: { params: CidParams, querystring: ManifestQuery } }, async (request, reply) => {
    const cid = parseCid(request.params.cid)
    if (cid.code !== 0x71) throw new NotAManifestError(`${request.params.cid} is not a dag-cbor block, so it cannot be a manifest`)
    const deadline = AbortSignal.timeout(request.query.timeoutMs ?? timeoutMs)
    const signal = AbortSignal.any([deadline, closeSignal(reply.raw)])
    let bytes: Uint8Array
    try {
      bytes = await blockBytes(node.content, cid, signal)
    } catch (err) {
      throw mapFetchError(err, request.params.cid, {}, deadline)
    }
    const verified = await openManifest(bytes, cid)
    return { cid: verified.cid.toString(), manifest: verified.manifest }
  })

  app.post<{ Body: { cid: string, out: string, timeoutMs?: number } }>('/v1/get', { schema: { body: GetBody } }, async (request, reply) => {
    return getToPath(node.content, request.body.cid, absolute(request.body.out), { timeoutMs: request.body.timeoutMs ?? timeoutMs, signal: closeSignal(reply.raw) })
  })

  app.get<{ Querystring: { arg: string, timeoutMs?: number } }>('/v1/cat', { schema: { querystring: CatQuery } }, async (request, reply) => {
    const source = catPath(node.content, request.query.arg, { timeoutMs: request.query.timeoutMs ?? timeoutMs, signal: closeSignal(reply.raw) })
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

  app.post<{ Body: { path: string } }>('/v1/car/import', { schema: { body: PathBody } }, async (request, reply) => {
    return importCar({ blockstore: node.p2p.helia.blockstore, pins: node.p2p.helia.pins }, absolute(request.body.path), { signal: closeSignal(reply.raw) })
  })

  app.post<{ Body: { cid: string, out: string, timeoutMs?: number } }>('/v1/car/export', { schema: { body: GetBody } }, async (request, reply) => {
    return exportCar(node.p2p.helia.blockstore, parseCid(request.body.cid), absolute(request.body.out), { timeoutMs: request.body.timeoutMs ?? timeoutMs, signal: closeSignal(reply.raw) })
  })

  // Who provides a CID, as the DHT says (the `ipfs routing findprovs` of MHC).
  app.get<{ Params: { cid: string }, Querystring: { timeoutMs?: number } }>('/v1/providers/:cid', { schema: { params: CidParams, querystring: ManifestQuery } }, async (request, reply) => {
    const cid = parseCid(request.params.cid)
    const signal = AbortSignal.any([AbortSignal.timeout(request.query.timeoutMs ?? 10_000), closeSignal(reply.raw)])
    const found = new Map<string, string[]>()
    try {
      for await (const p of node.p2p.helia.libp2p.contentRouting.findProviders(cid, { signal })) {
        found.set(p.id.toString(), [...new Set(p.multiaddrs.map(String))])
        if (found.size >= 20) break
      }
    } catch (err) {
      if (!signal.aborted) throw err
    }
    return [...found].map(([peerId, multiaddrs]) => ({ peerId, multiaddrs }))
  })

  app.get<{ Params: { peer: string } }>('/v1/ping/:peer', async (request) => {
    let peer: ReturnType<typeof peerIdFromString>
    try {
      peer = peerIdFromString(request.params.peer)
    } catch (err) {
      throw new WireFormatError(`Not a peer id: ${JSON.stringify(request.params.peer.slice(0, 80))}`, { cause: err })
    }
    return { ms: await libp2p().services.ping.ping(peer, { signal: AbortSignal.timeout(10_000) }) }
  })
}

function absolute (path: string): string {
  if (!isAbsolute(path)) throw new PathNotReadableError(`The daemon needs an absolute path, got ${JSON.stringify(path)}`)
  return path
}

/** Aborts when the client goes away before the answer is sent (Ctrl-C in the CLI), so the work stops too. */
function closeSignal (res: ServerResponse): AbortSignal {
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new AbortedError('The client went away'))
  })
  return controller.signal
}
