/**
 * One request, one batched answer: the framing both `/mhc/profile/1.0.0` and
 * `/mhc/revocations/1.0.0` use. The asker writes one JSON request; the
 * answerer writes a head `{"n": N}` then N length-prefixed items, every frame
 * bounded. Items are only bytes: the caller checks each before keeping it.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { type AbortOptions, assertWire, canonicalJson, parseJson, type WireValidator } from '@mhc/protocols'

export interface BatchLimits<Head extends { n: number }> {
  /** Largest item, and largest head, in bytes. */
  maxItemBytes: number
  /** Checks the head (its schema bounds `n`). */
  head: WireValidator<Head>
  /** Named in errors: "profile answer", … */
  what: string
}

/** Ask `peer` over `protocol` with `request`; the items it sent, unchecked. `check` may refuse a head before any item is read. */
export async function requestBatch<Head extends { n: number }> (network: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, protocol: string, request: unknown, limits: BatchLimits<Head>, options: AbortOptions & { signal: AbortSignal }, check: (head: Head) => void = () => {}): Promise<Uint8Array[]> {
  const { signal } = options
  const stream = await network.dialProtocol(peer, protocol, { signal })
  try {
    const lp = lpStream(stream, { maxDataLength: limits.maxItemBytes })
    await lp.write(canonicalJson(request), { signal })
    const head = assertWire(limits.head, parseJson((await lp.read({ signal })).subarray()), limits.what)
    check(head)
    const out: Uint8Array[] = []
    for (let i = 0; i < head.n; i++) out.push((await lp.read({ signal })).subarray())
    await stream.close({ signal })
    return out
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

/** Answer one request on `stream`: read it (at most `maxRequestBytes`), let `answer` find the items, write them. */
export async function serveBatch<Request> (stream: Stream, read: (json: unknown) => Request, answer: (request: Request, options: { signal: AbortSignal }) => Promise<Uint8Array[]> | Uint8Array[], limits: { maxRequestBytes: number, maxItemBytes: number }, options: { signal: AbortSignal }): Promise<void> {
  const { signal } = options
  try {
    const lp = lpStream(stream, { maxDataLength: limits.maxRequestBytes })
    const request = read(parseJson((await lp.read({ signal })).subarray()))
    const found = await answer(request, { signal })
    const out = lpStream(stream, { maxDataLength: limits.maxItemBytes })
    await out.writeV([canonicalJson({ n: found.length }), ...found], { signal })
    await stream.close({ signal })
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
