/**
 * `/mhc/profile/1.0.0` (docs/specs/profile.md § Request/response): one
 * request of up to 32 keys, one answer of the records the node has, each
 * length-prefixed and bounded. What arrives is only bytes: the caller checks
 * every record (checkProfile) before it keeps one.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { type AbortOptions, assertWire, canonicalJson, MAX_PROFILE_BYTES, PROFILE_PROTOCOL, ProfileAnswerHead, ProfileRequest, parseJson, WireFormatError } from '@mhc/protocols'
import { Compile } from 'typebox/compile'

/** A request is 32 keys of 43 characters and a little JSON. */
export const MAX_PROFILE_REQUEST_BYTES = 2048
const requestValidator = Compile(ProfileRequest)
const headValidator = Compile(ProfileAnswerHead)

/** Ask `peer` for the records of `keys`; returns the bytes it sent, unchecked. */
export async function requestProfiles (network: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, keys: string[], options: AbortOptions & { signal: AbortSignal }): Promise<Uint8Array[]> {
  const { signal } = options
  const stream = await network.dialProtocol(peer, PROFILE_PROTOCOL, { signal })
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_PROFILE_BYTES })
    await lp.write(canonicalJson({ v: 1, keys } satisfies ProfileRequest), { signal })
    const head = assertWire(headValidator, parseJson((await lp.read({ signal })).subarray()), 'profile answer')
    if (head.n > keys.length) throw new WireFormatError(`A profile answer announces ${head.n} records for ${keys.length} keys`)
    const out: Uint8Array[] = []
    for (let i = 0; i < head.n; i++) out.push((await lp.read({ signal })).subarray())
    await stream.close({ signal })
    return out
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

/** Answer one request on `stream` with what `lookup` finds (the kept bytes of each key it has). */
export async function serveProfiles (stream: Stream, lookup: (key: string, options: AbortOptions) => Promise<Uint8Array | undefined>, options: { signal: AbortSignal }): Promise<void> {
  const { signal } = options
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_PROFILE_REQUEST_BYTES })
    const request = assertWire(requestValidator, parseJson((await lp.read({ signal })).subarray()), 'profile request')
    const found: Uint8Array[] = []
    for (const key of new Set(request.keys)) {
      const bytes = await lookup(key, { signal })
      if (bytes !== undefined) found.push(bytes)
    }
    const out = lpStream(stream, { maxDataLength: MAX_PROFILE_BYTES })
    await out.writeV([canonicalJson({ n: found.length } satisfies ProfileAnswerHead), ...found], { signal })
    await stream.close({ signal })
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
