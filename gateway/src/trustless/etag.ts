/**
 * Etags (path gateway § Etag; trustless gateway § dag-scope, § entity-bytes:
 * "returned Etag must include unique prefix based on the passed scope type",
 * "MUST augment the returned Etag based on the passed entity-bytes").
 */
import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import type { DagScope, EntityBytes } from './index.js'

/** A raw block is byte-for-byte fixed by its CID: a strong tag. */
export function rawEtag (cid: CID): string {
  return `"${cid}.raw"`
}

/**
 * A CAR depends on the path and on every parameter that changes which blocks
 * are sent or in which order. Weak, as the path gateway recommends for CARs;
 * the suffix is a short hash so the tag stays a fixed size for long paths.
 */
export function carEtag (cid: CID, params: { path: string[], scope: DagScope, entityBytes?: EntityBytes, dups: boolean }): string {
  const eb = params.entityBytes === undefined ? '' : `${params.entityBytes.from}:${params.entityBytes.to}`
  const key = JSON.stringify(['car-v1-dfs', params.path, params.scope, eb, params.dups ? 'y' : 'n'])
  const digest = createHash('sha256').update(key).digest('base64url').slice(0, 16)
  return `W/"${cid}.car.${digest}"`
}
