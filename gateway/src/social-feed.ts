import type { SocialMessage } from '@mhc/protocols'

/** What a feed reads from the node's social service. */
export interface FeedSource {
  history(manifest: string, options?: { signal?: AbortSignal }): Promise<SocialMessage[]>
  addEventListener(type: 'message', listener: (e: CustomEvent<SocialMessage>) => void): void
  removeEventListener(type: 'message', listener: (e: CustomEvent<SocialMessage>) => void): void
}

export interface FeedOptions {
  signal?: AbortSignal
  /** Keep sending live messages after the history; without it the feed ends with the history. */
  live?: boolean
  /** Resume: send only what the history holds after this message id (when it is still kept). */
  after?: string
}

/**
 * A video's kept messages, then (with `live`) the new ones, each sent once
 * and in order: messages that arrive while the history is read are held and
 * sent after it. For the CLI's follow and the gateway's event stream alike.
 * Returns the function that stops the live part.
 */
export async function feedSocial (social: FeedSource, manifest: string, send: (m: SocialMessage) => void, options: FeedOptions = {}): Promise<() => void> {
  const sent = new Set<string>()
  const once = (m: SocialMessage): void => {
    if (m.payload.manifest !== manifest || sent.has(m.id)) return
    sent.add(m.id)
    send(m)
  }
  const held: SocialMessage[] = []
  let caughtUp = false
  const onMessage = (e: CustomEvent<SocialMessage>): void => { if (caughtUp) once(e.detail); else held.push(e.detail) }
  const stop = (): void => { social.removeEventListener('message', onMessage) }
  // Listening before reading the history: nothing that arrives in between is lost.
  if (options.live === true) social.addEventListener('message', onMessage)
  try {
    const history = await social.history(manifest, options.signal === undefined ? {} : { signal: options.signal })
    const from = options.after === undefined ? 0 : history.findIndex(m => m.id === options.after) + 1
    for (const m of history.slice(0, from)) sent.add(m.id)
    for (const m of history.slice(from)) once(m)
    for (const m of held) once(m)
    caughtUp = true
  } catch (err) {
    stop()
    throw err
  }
  return stop
}
