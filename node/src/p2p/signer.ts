import type { PrivateKey } from '@libp2p/interface'
import type { Signer } from '@mhc/protocols'

/** The node's libp2p Ed25519 key as a protocols `Signer` (one identity for peer and creator). */
export function keySigner (key: PrivateKey): Signer {
  if (key.type !== 'Ed25519') throw new TypeError(`Signing needs an Ed25519 key, not ${key.type}`)
  return {
    publicKey: key.publicKey.raw,
    sign: async (data, options) => key.sign(data, options)
  }
}
