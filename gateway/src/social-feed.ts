import type { SocialMessage } from '@mhc/protocols'

/** What a feed reads from the node's social service. */
export interface FeedSource {
  history(manifest: string, options?: { signal?: AbortSignal }): Promise<SocialMessage[]>
  addEventListener(type: 'message', listener: (e: CustomEvent<SocialMessage>) => void): void
  removeEventListener(type: 'message', listener: (e: CustomEvent<SocialMessage>) => void): void
}

/** The fewest sent ids a feed remembers to drop duplicates. */
const SENT_IDS_MIN = 1024

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
  // The ids already sent, oldest first; bounded so a stream open for hours does not grow without end.
  const sent = new Set<string>()
  let keep = SENT_IDS_MIN
  const once = (m: SocialMessage): void => {
    if (m.payload.manifest !== manifest || sent.has(m.id)) return
    sent.add(m.id)
    if (sent.size > keep) sent.delete(sent.values().next().value as string)
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
    // A duplicate can only be a message still in the history window: remember that many, twice over.
    keep = Math.max(SENT_IDS_MIN, 2 * history.length)
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
