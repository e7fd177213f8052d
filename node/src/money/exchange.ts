/**
 * `/mhc/revocations/1.0.0` (docs/specs/entitlements.md § Request/response):
 * one request, one answer of every revocation the node holds, each
 * length-prefixed and bounded. What arrives is only bytes: the caller
 * verifies each revocation before it keeps one.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import {
  type AbortOptions, assertWire, canonicalJson, MAX_REVOCATION_BYTES, parseJson, REVOCATION_ANSWER_MAX, REVOCATION_PROTOCOL, RevocationAnswerHead, RevocationRequest
} from '@mhc/protocols'
import { Compile } from 'typebox/compile'

const MAX_REQUEST_BYTES = 64
const requestValidator = Compile(RevocationRequest)
const headValidator = Compile(RevocationAnswerHead)

/** Ask `peer` for its revocations; returns the bytes it sent, unchecked. */
export async function requestRevocations (network: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, options: AbortOptions & { signal: AbortSignal }): Promise<Uint8Array[]> {
  const { signal } = options
  const stream = await network.dialProtocol(peer, REVOCATION_PROTOCOL, { signal })
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_REVOCATION_BYTES })
    await lp.write(canonicalJson({ v: 1 } satisfies RevocationRequest), { signal })
    const head = assertWire(headValidator, parseJson((await lp.read({ signal })).subarray()), 'revocation answer')
    const out: Uint8Array[] = []
    for (let i = 0; i < head.n; i++) out.push((await lp.read({ signal })).subarray())
    await stream.close({ signal })
    return out
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

/** Answer one request on `stream` with `held` (the kept bytes of each revocation), at most REVOCATION_ANSWER_MAX of them. */
export async function serveRevocations (stream: Stream, held: () => Uint8Array[], options: { signal: AbortSignal }): Promise<void> {
  const { signal } = options
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
    assertWire(requestValidator, parseJson((await lp.read({ signal })).subarray()), 'revocation request')
    const found = held().slice(0, REVOCATION_ANSWER_MAX)
    const out = lpStream(stream, { maxDataLength: MAX_REVOCATION_BYTES })
    await out.writeV([canonicalJson({ n: found.length } satisfies RevocationAnswerHead), ...found], { signal })
    await stream.close({ signal })
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
