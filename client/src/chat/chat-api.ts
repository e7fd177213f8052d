/**
 * The gateway's chat endpoints as the browser uses them: posting envelopes
 * this browser signed, and the event stream (EventSource resumes by itself
 * with Last-Event-ID, so a dropped connection loses nothing).
 */
import type { SocialEvent, SocialLiveCounts } from '@mhc/protocols'
import { ApiError, CLIENT_CODES, problemFrom } from '../lib/api.js'

export type SocialPath = 'chat' | 'reactions' | 'views'

const base = (manifest: string): string => `/api/v1/videos/${encodeURIComponent(manifest)}`

/** POST one signed envelope; a refusal throws ApiError with the gateway's code. */
export async function postSocial (manifest: string, path: SocialPath, envelope: string, options: { signal?: AbortSignal } = {}): Promise<SocialEvent> {
  let res: Response
  try {
    res = await fetch(`${base(manifest)}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ envelope }),
      ...(options.signal === undefined ? {} : { signal: options.signal })
    })
  } catch (err) {
    throw new ApiError({ code: CLIENT_CODES.network, status: 0, title: 'Network error', detail: `Could not reach the gateway (${(err as Error).message})` })
  }
  if (!res.ok) throw await problemFrom(res)
  return await res.json() as SocialEvent
}

export type LinkState = 'connecting' | 'open' | 'retrying' | 'closed'

export interface StreamHandlers {
  message(event: SocialEvent): void
  counts(counts: SocialLiveCounts): void
  link(state: LinkState): void
}

function parse<T> (data: string, ok: (v: Record<string, unknown>) => boolean): T | undefined {
  try {
    const v = JSON.parse(data) as unknown
    return typeof v === 'object' && v !== null && ok(v as Record<string, unknown>) ? v as T : undefined
  } catch {
    return undefined
  }
}

const isMessage = (v: Record<string, unknown>): boolean => typeof v.id === 'string' && typeof v.author === 'string' && typeof v.name === 'string' && typeof v.ts === 'number'
const isCounts = (v: Record<string, unknown>): boolean => typeof v.views === 'number' && typeof v.watching === 'number' && typeof v.reactions === 'object' && v.reactions !== null

/** History, then live messages and counts. Returns the function that closes the stream. */
export function openStream (manifest: string, handlers: StreamHandlers): () => void {
  const source = new EventSource(`${base(manifest)}/chat/events`)
  const onMessage = (e: MessageEvent<string>): void => {
    const m = parse<SocialEvent>(e.data, isMessage)
    if (m !== undefined) handlers.message(m)
  }
  source.addEventListener('chat', onMessage)
  source.addEventListener('reaction', onMessage)
  source.addEventListener('counts', (e: MessageEvent<string>) => {
    const c = parse<SocialLiveCounts>(e.data, isCounts)
    if (c !== undefined) handlers.counts(c)
  })
  source.onopen = () => handlers.link('open')
  // EventSource retries by itself unless the gateway refused outright (a 4xx: too many streams).
  source.onerror = () => handlers.link(source.readyState === EventSource.CLOSED ? 'closed' : 'retrying')
  return () => source.close()
}
