/**
 * This browser's key, asked of the signer worker (the only place the key is
 * used), and the records it signs for the account API: a key proof for
 * register and link, a link record for a second device.
 */
import { SignerClient } from '../chat/signer.js'

/** A link request: what a new device shows so a linked one can add it (its key and its key proof, joined by '.'). */
export interface LinkRequest { key: string, proof: string }

const B64URL = /^[A-Za-z0-9_-]+$/

/** Run `fn` with a signer worker started for it and stopped after. */
export async function withSigner<T> (fn: (s: SignerClient) => Promise<T>): Promise<T> {
  const signer = new SignerClient()
  try {
    return await fn(signer)
  } finally {
    signer.close()
  }
}

/** This browser's key and a key proof for `username` on this gateway. */
export async function keyProof (username: string): Promise<LinkRequest> {
  return await withSigner(async s => {
    const { author } = await s.identity()
    const proof = await s.seal({ kind: 'keyProof', payload: { v: 1, username, origin: location.origin, ts: Date.now() } })
    return { key: author, proof }
  })
}

/** This browser's key, or undefined when it cannot make one (no WebCrypto Ed25519, not a secure context). */
export async function browserKey (): Promise<string | undefined> {
  try {
    return await withSigner(async s => (await s.identity()).author)
  } catch {
    return undefined
  }
}

/** A link record signed by this browser's key, adding `key` to `username`. */
export async function linkRecord (username: string, key: string): Promise<string> {
  return await withSigner(async s => await s.seal({ kind: 'keyLink', payload: { v: 1, username, origin: location.origin, key, ts: Date.now() } }))
}

export const formatLinkRequest = (r: LinkRequest): string => `${r.key}.${r.proof}`

/** The pasted text as a link request, or undefined when it is not one (spaces and line breaks from copying are ignored). */
export function parseLinkRequest (text: string): LinkRequest | undefined {
  const [key, proof, ...rest] = text.replace(/\s+/g, '').split('.')
  if (key === undefined || proof === undefined || rest.length > 0) return undefined
  if (key.length !== 43 || !B64URL.test(key) || !B64URL.test(proof) || proof.length > 2048) return undefined
  return { key, proof }
}
