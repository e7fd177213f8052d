/**
 * The browser key's signer: a worker that holds this browser's key and seals
 * chat messages, account records (key proof, link record) and the profile
 * record with the protocol's own code (schema, canonical JSON, envelope). Being a worker, it is bundled on its own, so the page's chunks
 * share no protocol code with the manifest verifier (a shared chunk would
 * cost the watch page's budget), and the key object never enters the page.
 */
import { type Signer, sealKeyLink, sealKeyProof, sealProfile, sealSocial, toBase64url } from '@mhc/protocols'
import { type ChatIdentity, loadIdentity } from './identity.js'
import type { IdentityInfo, SealRequest, SignerReply, SignerRequest } from './signer-protocol.js'

let identity: Promise<ChatIdentity> | undefined

async function answer (request: SignerRequest): Promise<IdentityInfo | string> {
  identity ??= loadIdentity()
  const me = await identity
  if (request.op === 'identity') return { author: me.author, kept: me.kept }
  const signer: Signer = me.signer
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
  }
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
