/** Browser uploads in node tests: a browser key, a tus upload to the end, a draft sealed as the page seals it. */
import { canonicalJson, encodeEnvelope, MANIFEST_DOMAIN, MANIFEST_PAYLOAD_TYPE, type Signer, seal, toBase64url, type VideoManifest } from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import { Upload } from 'tus-js-client'

/** A fresh Ed25519 key, as the browser makes one; `key` is its public key, base64url. */
export const browserKey = (): Signer & { key: string } => {
  const sk = ed25519.utils.randomSecretKey()
  const publicKey = ed25519.getPublicKey(sk)
  return { publicKey, key: toBase64url(publicKey), sign: (d: Uint8Array) => ed25519.sign(d, sk) }
}

/** tus-js-client to the end: resolves with the upload id. */
export async function tusUpload (gw: string, headers: Record<string, string>, file: Buffer, metadata: Record<string, string>): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    const u = new Upload(file, {
      endpoint: `${gw}/api/v1/uploads`,
      headers,
      metadata,
      retryDelays: [],
      storeFingerprintForResuming: false,
      onSuccess: () => { resolve((u.url ?? '').split('/').pop() ?? '') },
      onError: reject
    })
    u.start()
  })
}

/** Seal `manifest` (or the exact payload bytes) as a browser would: the envelope of its canonical JSON, base64url. */
export const sealedDraft = async (manifest: VideoManifest | Uint8Array, signer: Signer): Promise<string> =>
  toBase64url(encodeEnvelope(await seal(MANIFEST_DOMAIN, MANIFEST_PAYLOAD_TYPE, manifest instanceof Uint8Array ? manifest : canonicalJson(manifest), signer)))
