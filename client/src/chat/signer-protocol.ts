/** Messages between the chat panel and its signer worker (types only: nothing here is bundled). */
import type { ChatPayload, KeyLinkPayload, KeyProofPayload, ProfilePayload, ReactionPayload, ViewPayload } from '@mhc/protocols'

export type SealRequest =
  | { kind: 'chat', payload: ChatPayload }
  | { kind: 'reaction', payload: ReactionPayload }
  | { kind: 'view', payload: ViewPayload }
  /** Account records (docs/specs/accounts.md) and the profile record (docs/specs/profile.md). */
  | { kind: 'keyProof', payload: KeyProofPayload }
  | { kind: 'keyLink', payload: KeyLinkPayload }
  | { kind: 'profile', payload: ProfilePayload }
  /** A key-request proof (docs/specs/content-keys.md): the worker dates it and picks its nonce, so every proof is fresh. */
  | { kind: 'keyRequest', payload: { keyId: string, origin: string } }
  /** An entitlements-request proof (docs/specs/billing.md): for `GET /api/v1/entitlements?subject=` without a login; dated and given a nonce by the worker. */
  | { kind: 'entitlementsRequest', payload: { subject: string, origin: string } }

export type SignerRequest =
  | { id: number, op: 'identity' }
  | ({ id: number, op: 'seal' } & SealRequest)
  /** A draft video manifest's payload (base64url, as the gateway gave it), to be sealed as it is. */
  | { id: number, op: 'seal-manifest', payload: string }

export interface IdentityInfo {
  /** The public key, base64url. */
  author: string
  /** False when IndexedDB is unavailable: the key lasts as long as the page. */
  kept: boolean
}

export type SignerReply =
  | { id: number, ok: true, value: IdentityInfo | string }
  | { id: number, ok: false, code: string, message: string }
