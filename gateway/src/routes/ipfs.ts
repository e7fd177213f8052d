/**
 * `/ipfs/{cid}[/path]`: the IPFS path gateway for UnixFS, and the trustless
 * gateway (`?format=raw|car`, `Accept: application/vnd.ipld.*`) through
 * trustless/. Specs: ipfs/specs path-gateway.md and trustless-gateway.md.
 */
import { createGzip } from 'node:zlib'
import { Readable, pipeline } from 'node:stream'
import { Type } from 'typebox'
import { BadRequestError, parseCidPath } from '@mhc/protocols'
import type { UnixFS } from '@helia/unixfs'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CID } from 'multiformats/cid'
import { isCompressible, sniffType, typeByName } from '../content-type.js'
import { dirListing } from '../dir-listing.js'
import { parseRange } from '../range.js'
import { negotiateCarParams, negotiateFormat, parseEntityBytes, trustlessResponse, type CarQuery, type DagScope } from '../trustless/index.js'
import type { BlockSource } from '../blocks.js'
import { translateFetchError } from '../fetch-errors.js'
import { leafStream, type LocalFiles } from '../local-file.js'
import { clientGone } from '../listen.js'
import { IMMUTABLE_CACHE_CONTROL } from '../trustless/constants.js'

const MAX_PATH = 4096
const GZIP_MAX_BYTES = 16 * 1024 * 1024

export interface IpfsRoutesComponents {
  blockstore: BlockSource
  unixfs: Pick<UnixFS, 'stat' | 'cat' | 'ls'>
  countBytes(n: number): void
  /** The node's block files, for serving local files without the exporter. */
  localFiles?: LocalFiles
}

export interface IpfsRoutesInit {
  /** How long to wait for peers before answering 504. */
  fetchTimeoutMs: number
}

const Query = Type.Object({
  format: Type.Optional(Type.String({ maxLength: 32 })),
  'dag-scope': Type.Optional(Type.Union([Type.Literal('block'), Type.Literal('entity'), Type.Literal('all')])),
  'entity-bytes': Type.Optional(Type.String({ maxLength: 64 })),
  'car-version': Type.Optional(Type.String({ maxLength: 8 })),
  'car-order': Type.Optional(Type.String({ maxLength: 8 })),
  'car-dups': Type.Optional(Type.String({ maxLength: 8 })),
  filename: Type.Optional(Type.String({ maxLength: 255 })),
  download: Type.Optional(Type.String({ maxLength: 8 }))
})
type QueryT = { format?: string, 'dag-scope'?: DagScope, 'entity-bytes'?: string } & CarQuery

/** What a resolved file path is; immutable, because a CID path always names the same bytes. */
interface Resolved { type: 'file' | 'raw' | 'directory', cid: CID, size: bigint }
const RESOLVED_CACHE_SIZE = 4096

export function ipfsRoutes (components: IpfsRoutesComponents, init: IpfsRoutesInit) {
  // Saves walking the root and rendition directories on every segment request.
  const resolved = new Map<string, Resolved>()
  return async function (app: FastifyInstance): Promise<void> {
    app.route<{ Params: { '*': string }, Querystring: QueryT }>({
      method: ['GET', 'HEAD'],
      url: '/ipfs/*',
      schema: { querystring: Query },
      handler: async (request, reply) => serve(components, init, resolved, request, reply)
    })
  }
}

async function serve (components: IpfsRoutesComponents, init: IpfsRoutesInit, resolved: Map<string, Resolved>, request: FastifyRequest<{ Params: { '*': string }, Querystring: QueryT }>, reply: FastifyReply): Promise<FastifyReply> {
  const rawPath = request.params['*']
  if (rawPath.length > MAX_PATH) throw new BadRequestError(`Path longer than ${MAX_PATH} characters`)
  const { cid, path } = parseCidPath(decodeSegments(rawPath))
  const deadline = AbortSignal.timeout(init.fetchTimeoutMs)
  const signal = AbortSignal.any([deadline, clientGone(reply.raw)])
  const onlyIfCached = /(^|,)\s*only-if-cached\s*(,|$)/i.test(request.headers['cache-control'] ?? '')
  const ipfsPath = `/ipfs/${cid.toString()}${path.length > 0 ? `/${path.join('/')}` : ''}`
  reply.header('X-Ipfs-Path', ipfsPath)

  const format = negotiateFormat(request.query.format, request.headers.accept)
  if (format !== undefined) {
    const res = await guard(deadline, ipfsPath, trustlessResponse(components.blockstore, {
      cid,
      path,
      format,
      ...(request.query['dag-scope'] === undefined ? {} : { dagScope: request.query['dag-scope'] }),
      ...(request.query['entity-bytes'] === undefined ? {} : { entityBytes: parseEntityBytes(request.query['entity-bytes']) }),
      // dups/order/version come in the Accept parameters or the car-* query (trustless-gateway.md).
      ...(format === 'car' ? { dups: negotiateCarParams(request.headers.accept, request.query).dups } : {}),
      onlyIfCached,
      signal
    }))
    reply.headers(res.headers)
    if (notModified(request, res.headers.Etag ?? res.headers.ETag ?? res.headers.etag)) return reply.code(304).send()
    if (request.method === 'HEAD') return reply.code(200).send()
    return reply.code(200).send(counted(components, res.body))
  }

  const pathOpt = path.length > 0 ? { path: path.join('/') } : {}
  // only-if-cached must prove the content is local, so it never takes the cached answer.
  let info: Resolved | undefined = onlyIfCached ? undefined : resolved.get(ipfsPath)
  if (info === undefined) {
    const stat = await guard(deadline, ipfsPath, components.unixfs.stat(cid, { signal, ...pathOpt, ...(onlyIfCached ? { offline: true } : {}) }), onlyIfCached)
    info = { type: stat.type, cid: stat.cid, size: stat.size }
    if (info.type !== 'directory') {
      resolved.set(ipfsPath, info)
      if (resolved.size > RESOLVED_CACHE_SIZE) resolved.delete(resolved.keys().next().value as string)
    }
  }

  if (info.type === 'directory') {
    if (!request.url.split('?')[0]?.endsWith('/')) {
      const [p, q] = request.url.split('?')
      return reply.redirect(`${p ?? ''}/${q === undefined ? '' : `?${q}`}`, 301)
    }
    const index = await components.unixfs.stat(info.cid, { signal, path: 'index.html', ...(onlyIfCached ? { offline: true } : {}) }).catch(() => undefined)
    if (index !== undefined && index.type !== 'directory') return await serveFile(components, request, reply, index.cid, Number(index.size), 'index.html', signal)
    const entries = []
    for await (const e of components.unixfs.ls(info.cid, { signal })) {
      const s = await components.unixfs.stat(e.cid, { signal }).catch(() => undefined)
      entries.push({ name: e.name, cid: e.cid.toString(), size: e.size, directory: s?.type === 'directory' })
    }
    reply.header('Cache-Control', IMMUTABLE_CACHE_CONTROL).header('Etag', `"DirIndex-${info.cid.toString()}"`).type('text/html; charset=utf-8')
    if (notModified(request, `"DirIndex-${info.cid.toString()}"`)) return reply.code(304).send()
    return reply.send(request.method === 'HEAD' ? undefined : dirListing(ipfsPath, entries))
  }
  return await serveFile(components, request, reply, info.cid, Number(info.size), path.at(-1) ?? '', signal)
}

async function serveFile (components: IpfsRoutesComponents, request: FastifyRequest, reply: FastifyReply, cid: CID, size: number, name: string, signal: AbortSignal): Promise<FastifyReply> {
  const etag = `"${cid.toString()}"`
  reply.header('Etag', etag).header('Cache-Control', IMMUTABLE_CACHE_CONTROL).header('Accept-Ranges', 'bytes').header('X-Content-Type-Options', 'nosniff')
  let type = typeByName(name)
  if (type === undefined) {
    const head: Uint8Array[] = []
    for await (const c of components.unixfs.cat(cid, { signal, length: 512 })) head.push(c)
    type = sniffType(Buffer.concat(head))
  }
  reply.type(type)
  if (notModified(request, etag)) return reply.code(304).send()

  const range = parseRange(request.headers.range, size)
  if (range !== undefined) {
    reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${size}`).header('Content-Length', range.end - range.start + 1)
    if (request.method === 'HEAD') return reply.send()
    return reply.send(await fileBody(components, cid, size, range.start, range.end, signal))
  }
  const gzip = isCompressible(type) && size <= GZIP_MAX_BYTES && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
  reply.header('Vary', 'Accept-Encoding')
  if (request.method === 'HEAD') return reply.header('Content-Length', size).send()
  if (gzip) return reply.header('Content-Encoding', 'gzip').send(counted(components, components.unixfs.cat(cid, { signal }), true))
  return reply.header('Content-Length', size).send(await fileBody(components, cid, size, 0, size - 1, signal))
}

/**
 * Bytes `start..end` of a file: straight from the node's block files when
 * every leaf is on disk (local-file.ts), else through the UnixFS exporter,
 * which fetches what is missing from peers.
 */
async function fileBody (components: IpfsRoutesComponents, cid: CID, size: number, start: number, end: number, signal: AbortSignal): Promise<Readable> {
  if (size > 0) {
    const leaves = await components.localFiles?.leaves(cid, size, signal)
    if (leaves !== undefined) return leafStream(leaves, start, end, n => { components.countBytes(n) }, signal)
  }
  return counted(components, components.unixfs.cat(cid, { signal, offset: start, length: end - start + 1 }))
}

/** Percent-decode each segment; a bad escape is a client error. */
function decodeSegments (raw: string): string {
  try {
    return raw.split('/').map(s => decodeURIComponent(s)).join('/')
  } catch (err) {
    throw new BadRequestError('Malformed percent-encoding in the path', { cause: err })
  }
}

function notModified (request: FastifyRequest, etag: string | undefined): boolean {
  const inm = request.headers['if-none-match']
  if (inm === undefined || etag === undefined) return false
  return inm.split(',').map(s => s.trim().replace(/^W\//, '')).some(t => t === '*' || t === etag.replace(/^W\//, ''))
}

/** Run a lookup and translate its failure: 504 when our deadline fired, 404 when missing, 412 when only-if-cached. */
async function guard<T> (deadline: AbortSignal, what: string, work: Promise<T>, onlyIfCached = false): Promise<T> {
  try {
    return await work
  } catch (err) {
    throw translateFetchError(err, what, { deadline, onlyIfCached })
  }
}

/**
 * The response body, counting bytes as they leave (mhc_gateway_bytes_sent_total).
 * Errors from the source destroy the response, and a client that goes away
 * ends the source (the generator returns), so nothing leaks either way.
 */
function counted (components: IpfsRoutesComponents, source: AsyncIterable<Uint8Array> | Uint8Array, gzip = false): Readable {
  const chunks = source instanceof Uint8Array ? [source] : source
  if (!gzip) {
    return Readable.from((async function * () {
      for await (const c of chunks) {
        components.countBytes(c.byteLength)
        yield c
      }
    })())
  }
  const z = createGzip()
  z.on('data', (c: Buffer) => { components.countBytes(c.byteLength) })
  pipeline(Readable.from(chunks), z, () => {})
  return z
}

