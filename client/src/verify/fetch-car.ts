/**
 * One gateway request for one file: `GET /ipfs/<root>/<path>?format=car&dag-scope=entity`
 * (trustless-gateway.md: the blocks on the path, then the file's DAG), with a
 * deadline for the first byte and one for every pause between chunks, so a
 * gateway that stalls fails over instead of holding playback.
 */
import { concat } from './blocks.js'
import { PLAYBACK_CODES, PlaybackError } from './codes.js'

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

export interface FetchCarOptions {
  signal?: AbortSignal | undefined
  fetch?: FetchLike | undefined
  /** Deadline for the response headers, and for each pause between body chunks (ms). */
  patienceMs: number
  /** Largest answer accepted. */
  maxBytes: number
}

export interface FetchedCar { bytes: Uint8Array, firstByteAt: number }

export function carUrl (gateway: string, root: string, path: readonly string[]): string {
  return `${gateway}/ipfs/${root}/${path.map(encodeURIComponent).join('/')}?format=car&dag-scope=entity`
}

export async function fetchCar (url: string, options: FetchCarOptions): Promise<FetchedCar> {
  options.signal?.throwIfAborted()
  const ctrl = new AbortController()
  const signal = options.signal === undefined ? ctrl.signal : AbortSignal.any([options.signal, ctrl.signal])
  let timedOut = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  const arm = (ms: number): void => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      timedOut = true
      ctrl.abort()
      reader?.cancel().catch(() => {})
    }, ms)
  }
  arm(options.patienceMs)
  try {
    const res = await (options.fetch ?? fetch)(url, { signal, headers: { accept: 'application/vnd.ipld.car' }, cache: 'no-store' })
    const firstByteAt = performance.now()
    if (!res.ok) {
      void res.body?.cancel().catch(() => {})
      throw Object.assign(new PlaybackError(PLAYBACK_CODES.gatewayStatus, `the gateway answered ${res.status}`), { status: res.status })
    }
    if (res.body === null) return { bytes: new Uint8Array(0), firstByteAt }
    arm(options.patienceMs)
    reader = res.body.getReader()
    const chunks: Uint8Array[] = []
    let size = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (timedOut) throw new Error('stalled')
      if (done) break
      size += value.byteLength
      if (size > options.maxBytes) {
        void reader.cancel().catch(() => {})
        throw new PlaybackError(PLAYBACK_CODES.badDag, `the answer is over ${options.maxBytes} bytes`)
      }
      chunks.push(value)
      arm(options.patienceMs)
    }
    return { bytes: concat(chunks), firstByteAt }
  } catch (err) {
    if (options.signal?.aborted === true) throw options.signal.reason
    if (timedOut) throw new PlaybackError(PLAYBACK_CODES.timeout, 'the gateway stopped answering')
    if (err instanceof PlaybackError) throw err
    throw new PlaybackError(PLAYBACK_CODES.network, `the gateway could not be reached (${err instanceof Error ? err.message : String(err)})`)
  } finally {
    clearTimeout(timer)
  }
}
