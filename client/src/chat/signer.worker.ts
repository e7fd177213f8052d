/**
 * The browser key's signer: a worker that holds this browser's key and seals
 * chat messages, account records (key proof, link record) and the profile
 * record with the protocol's own code (schema, canonical JSON, envelope). Being a worker, it is bundled on its own, so the page's chunks
 * share no protocol code with the manifest verifier (a shared chunk would
 * cost the watch page's budget), and the key object never enters the page.
 */
import { encodeEnvelope, fromBase64url, MANIFEST_DOMAIN, MANIFEST_PAYLOAD_TYPE, ManifestKeyError, type Signer, seal, sealEntitlementsRequest, sealKeyLink, sealKeyProof, sealKeyRequest, sealProfile, sealSocial, toBase64url } from '@mhc/protocols'
import { type ChatIdentity, loadIdentity } from './identity.js'
import type { IdentityInfo, SealRequest, SignerReply, SignerRequest } from './signer-protocol.js'

let identity: Promise<ChatIdentity> | undefined

async function answer (request: SignerRequest): Promise<IdentityInfo | string> {
  identity ??= loadIdentity()
  const me = await identity
  if (request.op === 'identity') return { author: me.author, kept: me.kept }
  const signer: Signer = me.signer
  if (request.op === 'seal-manifest') return await sealManifestPayload(request.payload, me)
  return toBase64url(await sealOne(request, signer))
}

async function sealOne (request: SealRequest, signer: Signer): Promise<Uint8Array> {
  switch (request.kind) {
    case 'chat': return await sealSocial('chat', request.payload, signer)
    case 'reaction': return await sealSocial('reaction', request.payload, signer)
    case 'view': return await sealSocial('view', request.payload, signer)
    case 'keyProof': return await sealKeyProof(request.payload, signer)
    case 'keyLink': return await sealKeyLink(request.payload, signer)
    case 'profile': return await sealProfile(request.payload, signer)
    case 'keyRequest': return await sealKeyRequest({ v: 1, ...request.payload, ts: Date.now(), nonce: toBase64url(crypto.getRandomValues(new Uint8Array(16))) }, signer)
    case 'entitlementsRequest': return await sealEntitlementsRequest({ v: 1, ...request.payload, ts: Date.now(), nonce: toBase64url(crypto.getRandomValues(new Uint8Array(16))) }, signer)
  }
}

/**
 * Seal a draft manifest (docs/specs/manifest.md, "Manifests signed in the
 * browser"): the payload bytes as the gateway gave them, never re-serialized,
 * with the manifest domain. The node checks the rest (schema, draft equality);
 * here only that the key signs for itself. The manifest validator stays out of
 * this worker, which the chat shares (its JS budget).
 */
async function sealManifestPayload (payload: string, me: ChatIdentity): Promise<string> {
  const bytes = fromBase64url(payload)
  const creator = (JSON.parse(new TextDecoder().decode(bytes)) as { creator?: unknown } | null)?.creator
  if (creator !== me.author) throw new ManifestKeyError('The draft names another creator than this browser\'s key')
  return toBase64url(encodeEnvelope(await seal(MANIFEST_DOMAIN, MANIFEST_PAYLOAD_TYPE, bytes, me.signer)))
}

addEventListener('message', (e: MessageEvent<SignerRequest>) => {
  const { id } = e.data
  answer(e.data).then(value => {
    postMessage({ id, ok: true, value } as SignerReply)
  }, (err: unknown) => {
    // Reset after a failure to make the key, so a later try can succeed (storage freed, permission given).
    if (e.data.op === 'identity') identity = undefined
    const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'MHC_CLIENT_SIGNER'
    postMessage({ id, ok: false, code, message: (err as Error).message } as SignerReply)
  })
})
