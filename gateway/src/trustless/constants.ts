/**
 * Constants of the trustless gateway, each tied to the spec text it implements
 * (ipfs/specs `src/http-gateways/trustless-gateway.md`, `path-gateway.md`).
 */

/** Trustless gateway § Accept: "application/vnd.ipld.raw — A single, verifiable raw block". */
export const RAW_CONTENT_TYPE = 'application/vnd.ipld.raw'

/** Trustless gateway § Accept: CAR stream, with IPIP-412 `version`/`order`/`dups` parameters. */
export const CAR_CONTENT_TYPE = 'application/vnd.ipld.car'

/** Path gateway § Cache-Control: "MUST be returned for every immutable resource under /ipfs/". */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=29030400, immutable'

/** Multihash code of the identity "hash": the digest is the block (trustless gateway § CAR dups). */
export const IDENTITY_MULTIHASH = 0x00

/** Bound on path segments after the CID; deeper paths are refused with 400 before any block is read. */
export const MAX_PATH_SEGMENTS = 256

/** Bound on one path segment, in UTF-16 code units (UnixFS names are far shorter). */
export const MAX_SEGMENT_LENGTH = 4096

/**
 * Bound on blocks in one CAR. Only reachable with `dups=y` over DAGs that link
 * the same subgraph many times (a diamond chain doubles per level); the stream
 * ends with an error instead of running unbounded.
 */
export const MAX_CAR_BLOCKS = 1_000_000

/** Bound on the `entity-bytes` parameter text; longer values are refused with 400. */
export const MAX_ENTITY_BYTES_LENGTH = 40
