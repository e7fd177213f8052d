/**
 * `@mhc/protocols/testing`: helpers every package's tests share. Not part of
 * the wire formats and never imported by shipped code.
 */

export interface EventuallyOptions {
  /** Give up after this long. Default 20 s. */
  ms?: number
  /** Wait this long between checks. Default 200 ms. */
  every?: number
  /** Named in the failure message. */
  what?: string
}

/**
 * Call `check` until it returns something other than undefined (or false),
 * and return that; fail after `ms` with the last error `check` threw. For
 * state that has no event to wait on (a remote page, a peer's routing table);
 * bounded, so a test can never loop forever.
 */
export async function eventually<T> (check: () => Promise<T | undefined | false> | T | undefined | false, options: EventuallyOptions = {}): Promise<T> {
  const { ms = 20_000, every = 200, what = 'condition' } = options
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined && v !== false) return v
    } catch (err) { last = err }
    if (Date.now() >= deadline) break
    await new Promise(resolve => setTimeout(resolve, every))
  }
  throw new Error(`${what} not met within ${ms} ms${last === undefined ? '' : `: ${String(last)}`}`, { cause: last })
}

/** Resolve with the first `type` event `target` dispatches, or reject after `ms`. */
export async function nextEvent<E extends Event = Event> (target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>, type: string, ms = 20_000): Promise<E> {
  return await new Promise<E>((resolve, reject) => {
    const timer = setTimeout(() => { target.removeEventListener(type, on); reject(new Error(`no ${type} event within ${ms} ms`)) }, ms)
    const on = (e: Event): void => {
      clearTimeout(timer)
      target.removeEventListener(type, on)
      resolve(e as E)
    }
    target.addEventListener(type, on)
  })
}

/** mulberry32: a small seeded generator in [0, 1), so a fuzz test's cuts and flips repeat run after run. */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

export { ed25519Cases, forgedSignature, le32, NON_CANONICAL_POINTS, SMALL_ORDER_KEYS, type VerifyCase } from './ed25519-vectors.js'
