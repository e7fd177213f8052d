/**
 * `/mhc/profile/1.0.0` (docs/specs/profile.md § Request/response): one
 * request of up to 32 keys, one answer of the records the node has, each
 * length-prefixed and bounded (the framing: p2p/batch-exchange.ts). What
 * arrives is only bytes: the caller checks every record (checkProfile)
 * before it keeps one.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { type AbortOptions, assertWire, MAX_PROFILE_BYTES, PROFILE_PROTOCOL, ProfileAnswerHead, ProfileRequest, WireFormatError } from '@mhc/protocols'
import { Compile } from 'typebox/compile'
import { requestBatch, serveBatch } from '../p2p/batch-exchange.js'

/** A request is 32 keys of 43 characters and a little JSON. */
export const MAX_PROFILE_REQUEST_BYTES = 2048
const requestValidator = Compile(ProfileRequest)
const headValidator = Compile(ProfileAnswerHead)

/** Ask `peer` for the records of `keys`; returns the bytes it sent, unchecked. */
export async function requestProfiles (network: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, keys: string[], options: AbortOptions & { signal: AbortSignal }): Promise<Uint8Array[]> {
  return await requestBatch(network, peer, PROFILE_PROTOCOL, { v: 1, keys } satisfies ProfileRequest, { maxItemBytes: MAX_PROFILE_BYTES, head: headValidator, what: 'profile answer' }, options, head => {
    if (head.n > keys.length) throw new WireFormatError(`A profile answer announces ${head.n} records for ${keys.length} keys`)
  })
}

/** Answer one request on `stream` with what `lookup` finds (the kept bytes of each key it has). */
export async function serveProfiles (stream: Stream, lookup: (key: string, options: AbortOptions) => Promise<Uint8Array | undefined>, options: { signal: AbortSignal }): Promise<void> {
  await serveBatch(stream, json => assertWire(requestValidator, json, 'profile request'), async (request, o) => {
    const found: Uint8Array[] = []
    for (const key of new Set(request.keys)) {
      const bytes = await lookup(key, o)
      if (bytes !== undefined) found.push(bytes)
    }
    return found
  }, { maxRequestBytes: MAX_PROFILE_REQUEST_BYTES, maxItemBytes: MAX_PROFILE_BYTES }, options)
}
