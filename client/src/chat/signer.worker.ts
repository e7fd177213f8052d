/**
 * The chat's signer: a worker that holds this browser's key and seals
 * messages with the protocol's own code (sealSocial: schema, canonical JSON,
 * envelope). Being a worker, it is bundled on its own, so the page's chunks
 * share no protocol code with the manifest verifier (a shared chunk would
 * cost the watch page's budget), and the key object never enters the page.
 */
import { type Signer, sealSocial, toBase64url } from '@mhc/protocols'
import { type ChatIdentity, loadIdentity } from './identity.js'
import type { IdentityInfo, SignerReply, SignerRequest } from './signer-protocol.js'

let identity: Promise<ChatIdentity> | undefined

async function answer (request: SignerRequest): Promise<IdentityInfo | string> {
  identity ??= loadIdentity()
  const me = await identity
  if (request.op === 'identity') return { author: me.author, kept: me.kept }
  const signer: Signer = me.signer
  const bytes = request.kind === 'chat'
    ? await sealSocial('chat', request.payload, signer)
    : request.kind === 'reaction'
      ? await sealSocial('reaction', request.payload, signer)
      : await sealSocial('view', request.payload, signer)
  return toBase64url(bytes)
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
