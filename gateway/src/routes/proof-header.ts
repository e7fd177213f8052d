/**
 * The proof headers (`MHC-Key-Proof`, `MHC-Entitlements-Proof`): base64url
 * of a signed, fresh envelope of at most MAX_KEY_REQUEST_BYTES, read the
 * same way by every route that takes one.
 */
import { fromBase64url, MAX_KEY_REQUEST_BYTES, type MhcErrorClass } from '@mhc/protocols'
import type { FastifyRequest } from 'fastify'

const MAX_PROOF_CHARS = Math.ceil(MAX_KEY_REQUEST_BYTES * 4 / 3)

/** The proof in header `name`, decoded; undefined when there is none; `invalid` (the route's own error) when it is not base64url of at most 1024 bytes. */
export function proofHeader (request: FastifyRequest, name: string, invalid: MhcErrorClass): Uint8Array | undefined {
  const raw = request.headers[name]
  const proof = Array.isArray(raw) ? raw[0] : raw
  if (proof === undefined) return undefined
  if (proof.length > MAX_PROOF_CHARS || !/^[A-Za-z0-9_-]+$/.test(proof)) throw new invalid(`The ${name} header is not base64url of at most ${MAX_KEY_REQUEST_BYTES} bytes`)
  return fromBase64url(proof)
}
