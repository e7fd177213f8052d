/**
 * The control API's shapes for key delegations (docs/specs/content-keys.md
 * § Delegations; `mhc keys delegate`, `delegations`, `revoke-delegation`).
 */
import { type Static, Type } from 'typebox'
import { PublicKeyString } from './manifest-schema.js'

/** `POST /v1/keys/delegations`: delegate to a node key for `days` (default 30). */
export const KeyDelegateRequest = Type.Object({
  node: PublicKeyString,
  days: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 400 }))
}, { $id: 'mhc.key-delegate-request.v1', additionalProperties: false })
export type KeyDelegateRequest = Static<typeof KeyDelegateRequest>

/** `POST /v1/keys/delegations/revoke`. */
export const KeyRevokeDelegationRequest = Type.Object({
  node: PublicKeyString
}, { $id: 'mhc.key-revoke-delegation-request.v1', additionalProperties: false })
export type KeyRevokeDelegationRequest = Static<typeof KeyRevokeDelegationRequest>

/** One delegation record as a node keeps it, with what it means now. */
export const KeyDelegationView = Type.Object({
  /** `given`: signed by this node for another; `held`: a creator's record for this node. */
  direction: Type.Union([Type.Literal('given'), Type.Literal('held')]),
  creator: PublicKeyString,
  node: PublicKeyString,
  kind: Type.Union([Type.Literal('grant'), Type.Literal('revoke')]),
  issued: Type.Integer({ minimum: 0 }),
  notBefore: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  notAfter: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  status: Type.Union([Type.Literal('in-force'), Type.Literal('not-yet-valid'), Type.Literal('expired'), Type.Literal('revoked')]),
  /** Content keys this node holds under it (`held`), or would hand on (`given`). */
  keys: Type.Integer({ minimum: 0 }),
  /** `given` only, after delegate or revoke: whether the delegated node took the record just now (else it gets it when it next connects). */
  delivered: Type.Optional(Type.Boolean()),
  /** The signed record, base64url. */
  record: Type.String()
}, { $id: 'mhc.key-delegation-view.v1', additionalProperties: false })
export type KeyDelegationView = Static<typeof KeyDelegationView>
export const KeyDelegationViews = Type.Array(KeyDelegationView)
export type KeyDelegationViews = Static<typeof KeyDelegationViews>
