/**
 * `/mhc/revocations/1.0.0` (docs/specs/entitlements.md § Request/response):
 * one request, one answer of every revocation the node holds, each
 * length-prefixed and bounded (the framing: p2p/batch-exchange.ts). What
 * arrives is only bytes: the caller verifies each revocation before it keeps
 * one.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { type AbortOptions, assertWire, MAX_REVOCATION_BYTES, REVOCATION_ANSWER_MAX, REVOCATION_PROTOCOL, RevocationAnswerHead, RevocationRequest } from '@mhc/protocols'
import { Compile } from 'typebox/compile'
import { requestBatch, serveBatch } from '../p2p/batch-exchange.js'

const MAX_REQUEST_BYTES = 64
const requestValidator = Compile(RevocationRequest)
const headValidator = Compile(RevocationAnswerHead)

/** Ask `peer` for its revocations; returns the bytes it sent, unchecked. */
export async function requestRevocations (network: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, options: AbortOptions & { signal: AbortSignal }): Promise<Uint8Array[]> {
  return await requestBatch(network, peer, REVOCATION_PROTOCOL, { v: 1 } satisfies RevocationRequest, { maxItemBytes: MAX_REVOCATION_BYTES, head: headValidator, what: 'revocation answer' }, options)
}

/** Answer one request on `stream` with `held` (the kept bytes of each revocation), at most REVOCATION_ANSWER_MAX of them. */
export async function serveRevocations (stream: Stream, held: () => Uint8Array[], options: { signal: AbortSignal }): Promise<void> {
  await serveBatch(stream, json => assertWire(requestValidator, json, 'revocation request'), () => held().slice(0, REVOCATION_ANSWER_MAX),
    { maxRequestBytes: MAX_REQUEST_BYTES, maxItemBytes: MAX_REVOCATION_BYTES }, options)
}
