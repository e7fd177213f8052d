import { createPrivateKey, sign } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'
import type { Signer } from '@mhc/protocols'

/**
 * The node's libp2p Ed25519 key as a protocols `Signer` (one identity for
 * peer and creator). Signs with node:crypto on a KeyObject imported once:
 * libp2p's `key.sign` imports the key again for every signature, which
 * halves the signing rate (2 700 against 6 000 a second here), and the
 * forensic log signs every entry. Ed25519 is deterministic: the signatures
 * are byte for byte the ones `key.sign` makes.
 */
export function keySigner (key: PrivateKey): Signer {
  if (key.type !== 'Ed25519') throw new TypeError(`Signing needs an Ed25519 key, not ${key.type}`)
  const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
  const keyObject = createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', d: b64url(key.raw.subarray(0, 32)), x: b64url(key.publicKey.raw) } })
  return {
    publicKey: key.publicKey.raw,
    sign: (data, options) => {
      options?.signal?.throwIfAborted()
      return new Uint8Array(sign(null, data, keyObject))
    }
  }
}
