/**
 * Ed25519 verification with node:crypto, for the social validator's hot path
 * (every chat message every node hears). The protocols package cannot import
 * node:crypto (it runs in browsers), so verifyEnvelope takes the check as an
 * option; this is the node's. Measured on a 2-core machine: the synchronous
 * node:crypto verify with a cached KeyObject does ~1.45× the messages a second
 * of WebCrypto's importKey + verify, which hops to the thread pool twice and
 * imports the key every time. Same OpenSSL underneath, so the same verdicts;
 * node/test/crypto/ed25519-verify.test.ts checks that over the strict-encoding
 * vectors.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto'
import type { Ed25519Verify } from '@mhc/protocols'

/** DER SubjectPublicKeyInfo of an Ed25519 key (RFC 8410 §4) up to the 32 raw key bytes. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export interface Ed25519VerifierInit {
  /** Imported keys kept, least recently used dropped first. Default 4096 (the busiest authors of a few chats). */
  maxKeys?: number
}

/**
 * An Ed25519Verify on node:crypto with a bounded LRU of imported keys: a key
 * costs ~30 µs to import, a verification ~110 µs, and chat authors repeat.
 *
 * @example
 * const validator = new SocialValidator({ now: Date.now, isMuted, verify: ed25519Verifier() })
 */
export function ed25519Verifier (init: Ed25519VerifierInit = {}): Ed25519Verify {
  const maxKeys = Math.max(1, init.maxKeys ?? 4096)
  const keys = new Map<string, KeyObject>()
  // The key used last, compared byte for byte before any lookup: a gateway checks one bridge's entitlements in a row.
  let last: { raw: Buffer, key: KeyObject } | undefined
  return (publicKey, signature, data) => {
    const raw = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength)
    if (last?.raw.equals(raw)) return verify(null, data, last.key, signature)
    const id = raw.toString('base64')
    let key = keys.get(id)
    if (key === undefined) {
      // Throws on bytes OpenSSL cannot take as a key; verifyEnvelope turns that into SignatureInvalidError.
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
      if (keys.size >= maxKeys) keys.delete(keys.keys().next().value as string)
    } else {
      // Re-inserted so the Map's order is least recently used first.
      keys.delete(id)
    }
    keys.set(id, key)
    last = { raw: Buffer.from(raw), key }
    return verify(null, data, key, signature)
  }
}
