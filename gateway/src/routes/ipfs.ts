/**
 * `/ipfs/{cid}[/path]`: the IPFS path gateway for UnixFS, and the trustless
 * gateway (`?format=raw|car`, `Accept: application/vnd.ipld.*`) through
 * trustless/. Specs: ipfs/specs path-gateway.md and trustless-gateway.md.
 */

import { pipeline, Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import type { UnixFS } from '@helia/unixfs'
import * as dagPb from '@ipld/dag-pb'
import { InternalError } from '@mhc/protocols'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CID } from 'multiformats/cid'
import { Type } from 'typebox'
import type { BlockSource } from '../blocks.js'
import { isCompressible, sniffType, typeByName } from '../content-type.js'
import { DIR_LISTING_CACHE_CONTROL, dirListing, dirListingEtag } from '../dir-listing.js'
import { contentDisposition, requestedDisposition } from '../disposition.js'
import { translateFetchError } from '../fetch-errors.js'
import { clientGone } from '../listen.js'
import type { LocalFiles } from '../local/index.js'
import { multipart, multipartBody, parseRanges } from '../multirange.js'
import { readRange } from '../path/file-range.js'
import { parseRequestPath } from '../path/request-path.js'
import { type ResolvedContent, resolveContent } from '../path/resolve.js'
import type { ByteRange } from '../range.js'
import { IMMUTABLE_CACHE_CONTROL, RAW_CONTENT_TYPE } from '../trustless/constants.js'
import { type CarQuery, type DagScope, negotiateCarParams, negotiateFormat, parseEntityBytes, trustlessResponse } from '../trustless/index.js'

const GZIP_MAX_BYTES = 16 * 1024 * 1024

export interface IpfsRoutesComponents {
  blockstore: BlockSource
  unixfs: Pick<UnixFS, 'stat' | 'cat' | 'ls'>
  countBytes(n: number): void
  /** The node's block files, for serving local files without the exporter (local-file.ts). */
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
type QueryT = { format?: string, 'dag-scope'?: DagScope, 'entity-bytes'?: string, filename?: string, download?: string } & CarQuery


/** Resolved file and symlink paths are cached: a CID path always names the same bytes. */
const RESOLVED_CACHE_SIZE = 4096

export function ipfsRoutes (components: IpfsRoutesComponents, init: IpfsRoutesInit) {
  // Saves walking the root and rendition directories on every segment request.
  const resolved = new Map<string, ResolvedContent>()
  return async (app: FastifyInstance): Promise<void> => {
    app.route<{ Params: { '*': string }, Querystring: QueryT }>({
      method: ['GET', 'HEAD'],
      url: '/ipfs/*',
      schema: { querystring: Query },
      handler: async (request, reply) => serve(components, init, resolved, request, reply)
    })
  }
}

async function serve (components: IpfsRoutesComponents, init: IpfsRoutesInit, resolved: Map<string, ResolvedContent>, request: FastifyRequest<{ Params: { '*': string }, Querystring: QueryT }>, reply: FastifyReply): Promise<FastifyReply> {
  // From the raw URL: each segment decoded once (a `%25` in a name stays a `%`).
  const { cid, path, trailingSlash, ipfsPath, query } = parseRequestPath(request.url)
  const deadline = AbortSignal.timeout(init.fetchTimeoutMs)
  const signal = AbortSignal.any([deadline, clientGone(reply.raw)])
  const onlyIfCached = /(^|,)\s*only-if-cached\s*(,|$)/i.test(request.headers['cache-control'] ?? '')
  const requestPath = `${ipfsPath}${trailingSlash ? '/' : ''}`
  reply.header('X-Ipfs-Path', requestPath)

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
    reply.headers(res.headers).header('X-Ipfs-Path', requestPath)
    if (request.query.filename !== undefined && request.query.filename !== '') reply.header('Content-Disposition', contentDisposition('attachment', request.query.filename))
    if (notModified(request, res.headers.Etag ?? res.headers.ETag ?? res.headers.etag)) return reply.code(304).send()
    // A raw block is bytes like any other: ranges apply (path gateway § Range, TestGatewayBlock).
    const block = res.body
    if (block instanceof Uint8Array) {
      reply.header('Accept-Ranges', 'bytes')
      const ranged = sendRanges(components, request, reply, block.byteLength, RAW_CONTENT_TYPE, r => [block.subarray(r.start, r.end + 1)])
      if (ranged !== undefined) return ranged
    }
    if (request.method === 'HEAD') return reply.code(200).send()
    return reply.code(200).send(counted(components, res.body))
  }

  // only-if-cached must prove the content is local, so it never takes the cached answer.
  let info: ResolvedContent | undefined = onlyIfCached ? undefined : resolved.get(ipfsPath)
  if (info === undefined) {
    info = await guard(deadline, ipfsPath, resolveContent(components.blockstore, cid, path, { signal, onlyIfCached }), onlyIfCached)
    if (info.kind === 'file' || info.kind === 'symlink') {
      resolved.set(ipfsPath, info)
      if (resolved.size > RESOLVED_CACHE_SIZE) resolved.delete(resolved.keys().next().value as string)
    }
  }
  reply.header('X-Ipfs-Roots', info.roots.join(','))
  const disposition = requestedDisposition(request.query)
  if (disposition !== undefined) reply.header('Content-Disposition', disposition)

  if (info.kind === 'directory') {
    if (!trailingSlash) return reply.redirect(`${ipfsPath}/${query === '' ? '' : `?${query}`}`, 301)
    const dir = info.cid
    const index = await components.unixfs.stat(dir, { signal, path: 'index.html', ...(onlyIfCached ? { offline: true } : {}) }).catch((err: unknown) => {
      if (signal.aborted) throw err
      return undefined
    })
    // Served through its index.html, the directory keeps its own CID as ETag (path gateway § Etag).
    if (index !== undefined && index.type !== 'directory') return await serveFile(components, request, reply, index.cid, Number(index.size), 'index.html', { signal, deadline, what: ipfsPath }, `"${dir.toString()}"`)
    const etag = dirListingEtag(dir)
    reply.header('Cache-Control', DIR_LISTING_CACHE_CONTROL).header('Etag', etag).type('text/html; charset=utf-8')
    if (notModified(request, etag)) return reply.code(304).send()
    if (request.method === 'HEAD') return reply.send()
    const entries = await guard(deadline, ipfsPath, (async () => {
      const out = []
      for await (const e of components.unixfs.ls(dir, { signal })) {
        const s = await components.unixfs.stat(e.cid, { signal }).catch(() => undefined)
        out.push({ name: e.name, cid: e.cid.toString(), size: e.size, directory: s?.type === 'directory' })
      }
      return out
    })())
    return reply.send(dirListing(ipfsPath, entries, { cid: cid.toString(), segments: path }))
  }
  if (info.kind === 'symlink' || info.kind === 'codec') {
    // A symlink is served as its target text (path gateway § UnixFS symlinks; TestGatewaySymlink),
    // a DAG-CBOR/JSON terminal as its block: both are in hand, nothing more to fetch.
    return serveBytes(components, request, reply, info.cid, info.body ?? new Uint8Array(), info.contentType ?? 'text/plain; charset=utf-8')
  }
  return await serveFile(components, request, reply, info.cid, info.size, request.query.filename ?? path.at(-1) ?? '', { signal, deadline, what: ipfsPath })
}

/** What a body read needs: the request's signal, and its deadline and path for error statuses. */
interface ReadScope { signal: AbortSignal, deadline: AbortSignal, what: string }

/**
 * A body whose read errors get the statuses lookups get (guard): a block
 * missing before the first byte is a 404 (504 past our deadline), not a 500.
 */
async function * guarded (scope: ReadScope, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield * source
  } catch (err) {
    throw await guard(scope.deadline, scope.what, Promise.reject(err)).catch((e: unknown) => e)
  }
}

async function serveFile (components: IpfsRoutesComponents, request: FastifyRequest, reply: FastifyReply, cid: CID, size: number, name: string, scope: ReadScope, etag = `"${cid.toString()}"`): Promise<FastifyReply> {
  const { signal } = scope
  reply.header('Etag', etag).header('Cache-Control', IMMUTABLE_CACHE_CONTROL).header('Accept-Ranges', 'bytes').header('X-Content-Type-Options', 'nosniff')
  // With a Range, the first bytes are sniffed only if local: a range never fetches blocks outside itself.
  const type = typeByName(name) ?? await guard(scope.deadline, scope.what, sniff(components, cid, size, signal, request.headers.range !== undefined))
  reply.type(type)
  if (notModified(request, etag)) return reply.code(304).send()

  // Every leaf on this node's disk: read the block files themselves (gateway/src/local/), the hot path for segments.
  const local = await localBody(components.localFiles, cid, size, signal)
  const ranged = sendRanges(components, request, reply, size, type, r => local !== undefined
    ? local(r.start, r.end)
    : guarded(scope, readRange(components.blockstore, cid, r.start, r.end, { signal })))
  if (ranged !== undefined) return ranged
  const gzip = isCompressible(type) && size <= GZIP_MAX_BYTES && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
  reply.header('Vary', 'Accept-Encoding')
  if (request.method === 'HEAD') return reply.header('Content-Length', size).send()
  if (local !== undefined && !gzip) return reply.header('Content-Length', size).send(local(0, size - 1, n => { components.countBytes(n) }))
  // One block (a raw leaf, or an identity CID that is its own content): read it directly.
  const body = guarded(scope, cid.code === dagPb.code ? components.unixfs.cat(cid, { signal }) : readRange(components.blockstore, cid, 0, size - 1, { signal }))
  if (gzip) return reply.header('Content-Encoding', 'gzip').send(counted(components, body, true))
  return reply.header('Content-Length', size).send(counted(components, body, false, size))
}

/** Bytes `from..to` of a file from its local block files, or undefined when not every leaf is on disk. */
async function localBody (files: LocalFiles | undefined, cid: CID, size: number, signal: AbortSignal): Promise<((from: number, to: number, onBytes?: (n: number) => void) => Readable) | undefined> {
  const leaves = files === undefined || size === 0 ? undefined : await files.leaves(cid, size, signal)
  if (files === undefined || leaves === undefined) return undefined
  return (from, to, onBytes) => files.stream(leaves, from, to, onBytes, signal)
}

/** A body already in memory (symlink target, DAG-CBOR block), with the same caching and ranges as a file. */
function serveBytes (components: IpfsRoutesComponents, request: FastifyRequest, reply: FastifyReply, cid: CID, body: Uint8Array, type: string): FastifyReply {
  const etag = `"${cid.toString()}"`
  reply.header('Etag', etag).header('Cache-Control', IMMUTABLE_CACHE_CONTROL).header('Accept-Ranges', 'bytes').header('X-Content-Type-Options', 'nosniff').type(type)
  if (notModified(request, etag)) return reply.code(304).send()
  const ranged = sendRanges(components, request, reply, body.byteLength, type, r => [body.subarray(r.start, r.end + 1)])
  if (ranged !== undefined) return ranged
  reply.header('Content-Length', body.byteLength)
  return request.method === 'HEAD' ? reply.send() : reply.send(counted(components, body, false, body.byteLength))
}

/** The content type of a file from its first bytes; `offline`: from local blocks only, else octet-stream. */
async function sniff (components: IpfsRoutesComponents, cid: CID, size: number, signal: AbortSignal, offline: boolean): Promise<string> {
  const head: Uint8Array[] = []
  try {
    for await (const c of readRange(components.blockstore, cid, 0, Math.min(size, 512) - 1, { signal, offline })) head.push(c)
  } catch (err) {
    if (!offline || signal.aborted) throw err
    return 'application/octet-stream'
  }
  return sniffType(Buffer.concat(head))
}

/**
 * Answer a `Range` request: 206 with `Content-Range` for one range, 206
 * `multipart/byteranges` for several (RFC 9110 §14.6). `undefined` when the
 * whole body is to be sent; RangeNotSatisfiableError (416) when nothing overlaps.
 */
function sendRanges (components: IpfsRoutesComponents, request: FastifyRequest, reply: FastifyReply, size: number, type: string, read: (r: ByteRange) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>): FastifyReply | undefined {
  let ranges: ByteRange[] | undefined
  try {
    ranges = parseRanges(request.headers.range, size)
  } catch (err) {
    reply.header('Content-Range', `bytes */${size}`)
    throw err
  }
  if (ranges === undefined) return undefined
  reply.code(206)
  const [only] = ranges
  if (ranges.length === 1 && only !== undefined) {
    const length = only.end - only.start + 1
    reply.header('Content-Range', `bytes ${only.start}-${only.end}/${size}`).header('Content-Length', length)
    return request.method === 'HEAD' ? reply.send() : reply.send(counted(components, read(only), false, length))
  }
  const layout = multipart(ranges, size, type)
  reply.type(layout.contentType).header('Content-Length', layout.length)
  return request.method === 'HEAD' ? reply.send() : reply.send(counted(components, multipartBody(layout, read), false, layout.length))
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
 * ends the source (the generator returns), so nothing leaks either way. With
 * `expected` (the Content-Length sent), a body of any other length is an error.
 */
function counted (components: IpfsRoutesComponents, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array, gzip = false, expected?: number): Readable {
  const chunks = source instanceof Uint8Array ? [source] : source
  if (!gzip) {
    return Readable.from((async function * () {
      let sent = 0
      for await (const c of chunks) {
        sent += c.byteLength
        components.countBytes(c.byteLength)
        yield c
      }
      // A body shorter than its Content-Length would leave the client waiting for
      // bytes that never come: fail the response (the socket is destroyed) instead.
      if (expected !== undefined && sent !== expected) throw new InternalError(`Body ended after ${sent} of ${expected} bytes`)
    })())
  }
  const z = createGzip()
  z.on('data', (c: Buffer) => { components.countBytes(c.byteLength) })
  pipeline(Readable.from(chunks), z, () => {})
  return z
}

