import { createHash } from 'node:crypto'

const LEAF_PREFIX = Uint8Array.of(0)

/**
 * RFC 9162 §2.1.1 leaf hash, SHA-256(0x00 ‖ data), with node:crypto: the
 * same value as protocols' `leafHash` (noble, for browsers), 2.5× faster on
 * entry-sized inputs here, which is most of what appending and verifying
 * a large log hash.
 */
export function leafHashNode (data: Uint8Array): Uint8Array {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest()
}
