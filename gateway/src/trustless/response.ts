/**
 * `trustlessResponse`: the status, headers and body for a raw block or a CAR
 * (trustless gateway § HTTP Response, § Block Responses, § CAR Responses).
 * Everything that can fail with a clean status (bad parameters, missing root,
 * unresolvable path, only-if-cached miss) fails before this returns; what
 * follows is streaming, where a missing block ends the body with an error.
 */

import { BadRequestError, NotCachedError } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'
import { hasLocally, isIdentity, type ReadContext, readBlock } from './blocks.js'
import { carHeader, carSectionPrefix } from './car.js'
import { CAR_CONTENT_TYPE, IMMUTABLE_CACHE_CONTROL, MAX_CAR_BLOCKS, MAX_PATH_SEGMENTS, MAX_SEGMENT_LENGTH, RAW_CONTENT_TYPE } from './constants.js'
import { carEtag, rawEtag } from './etag.js'
import type { BlockSource, DagScope, TrustlessRequest, TrustlessResponse } from './index.js'
import { type Block, resolvePath } from './path.js'
import { type Frame, startMode, walk } from './walk.js'

function ipfsPath (cid: CID, path: string[]): string {
  return `/ipfs/${cid}${path.map(s => `/${encodeURIComponent(s)}`).join('')}`
}

function validate (req: TrustlessRequest): DagScope {
  if (req.path.length > MAX_PATH_SEGMENTS) throw new BadRequestError(`Paths are limited to ${MAX_PATH_SEGMENTS} segments`)
  for (const s of req.path) {
    if (s === '' || s === '.' || s === '..' || s.length > MAX_SEGMENT_LENGTH) throw new BadRequestError(`Invalid path segment ${JSON.stringify(s.slice(0, 64))}`)
  }
  // Trustless gateway § GET allows blocks by CID alone; the path gateway (§ format, TestGatewayBlock)
  // also answers /ipfs/{cid}/{path}?format=raw with the block at the end of the path.
  // § entity-bytes: "It implies dag-scope=entity".
  if (req.entityBytes !== undefined && req.dagScope !== undefined && req.dagScope !== 'entity') {
    throw new BadRequestError('entity-bytes implies dag-scope=entity')
  }
  return req.entityBytes !== undefined ? 'entity' : req.dagScope ?? 'all'
}

/**
 * Answer a trustless request, or throw a coded error for the HTTP layer to map:
 * BadRequestError 400, NotFoundError 404 (root block missing, path not
 * resolvable), NotCachedError 412 (only-if-cached and the root is not local).
 */
export async function trustlessResponse (blocks: BlockSource, req: TrustlessRequest): Promise<TrustlessResponse> {
  req.signal?.throwIfAborted()
  const scope = validate(req)
  const ctx: ReadContext = { blocks, onlyIfCached: req.onlyIfCached === true, signal: req.signal }
  // § only-if-cached: "SHOULD return HTTP 412 if the root block is not immediately available."
  if (ctx.onlyIfCached && !(await hasLocally(req.cid, ctx))) {
    throw new NotCachedError(`${req.cid} is not in this gateway's local store`)
  }
  return req.format === 'raw' ? await rawResponse(req, ctx) : await carResponse(req, scope, ctx)
}

async function rawResponse (req: TrustlessRequest, ctx: ReadContext): Promise<TrustlessResponse> {
  const { cid, bytes, roots } = req.path.length === 0
    ? { cid: req.cid, bytes: await readBlock(req.cid, ctx), roots: [req.cid] }
    : await terminalOf(req, ctx)
  return {
    status: 200,
    headers: {
      'Content-Type': RAW_CONTENT_TYPE,
      'Content-Length': String(bytes.byteLength),
      'Content-Disposition': `attachment; filename="${cid}.bin"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': IMMUTABLE_CACHE_CONTROL,
      Etag: rawEtag(cid),
      'X-Ipfs-Path': ipfsPath(req.cid, req.path),
      'X-Ipfs-Roots': roots.join(','),
      Vary: 'Accept'
    },
    body: bytes
  }
}

/** The block at the end of the path, with the CID of each segment's node. */
async function terminalOf (req: TrustlessRequest, ctx: ReadContext): Promise<{ cid: CID, bytes: Uint8Array, roots: CID[] }> {
  const { blocks, roots } = await resolvePath(req.cid, req.path, ctx)
  const terminal = blocks[blocks.length - 1] as Block
  return { cid: terminal.cid, bytes: terminal.bytes, roots }
}

async function carResponse (req: TrustlessRequest, scope: DagScope, ctx: ReadContext): Promise<TrustlessResponse> {
  const dups = req.dups === true
  const { blocks: pathBlocks, roots } = await resolvePath(req.cid, req.path, ctx)
  const terminal = pathBlocks[pathBlocks.length - 1] as Block
  const start = startMode(terminal, scope, req.entityBytes)
  return {
    status: 200,
    headers: {
      'Content-Type': `${CAR_CONTENT_TYPE}; version=1; order=dfs; dups=${dups ? 'y' : 'n'}`,
      'Content-Disposition': `attachment; filename="${terminal.cid}.car"`,
      'X-Content-Type-Options': 'nosniff',
      'Accept-Ranges': 'none',
      'Cache-Control': IMMUTABLE_CACHE_CONTROL,
      Etag: carEtag(req.cid, { path: req.path, scope, entityBytes: req.entityBytes, dups }),
      'X-Ipfs-Path': ipfsPath(req.cid, req.path),
      'X-Ipfs-Roots': roots.join(','),
      Vary: 'Accept'
    },
    body: carBody(req.cid, pathBlocks.slice(0, -1), start, ctx, dups, req.onProgress)
  }
}

/**
 * The CAR: header with roots `[root]` (clients MUST ignore roots anyway), the
 * path blocks, then the walk below the terminal. Identity blocks are never
 * written (§ CAR dups: "MUST NOT include virtual blocks identified by identity CIDs").
 */
async function * carBody (root: CID, path: Block[], start: Frame, ctx: ReadContext, dups: boolean, onProgress: TrustlessRequest['onProgress']): AsyncGenerator<Uint8Array> {
  yield carHeader([root])
  const sent = new Set<string>()
  let count = 0
  async function * all (): AsyncGenerator<Block> {
    yield * path
    yield * walk(start, ctx, dups)
  }
  for await (const block of all()) {
    if (isIdentity(block.cid)) continue
    if (!dups) {
      const key = block.cid.toString()
      if (sent.has(key)) continue
      sent.add(key)
    }
    if (++count > MAX_CAR_BLOCKS) throw new BadRequestError(`CAR exceeds ${MAX_CAR_BLOCKS} blocks`)
    yield carSectionPrefix(block.cid, block.bytes.byteLength)
    yield block.bytes
    onProgress?.({ type: 'car:block', detail: { cid: block.cid, size: block.bytes.byteLength } })
  }
}
