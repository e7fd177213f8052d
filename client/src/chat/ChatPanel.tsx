/**
 * Chat beside the player, loaded on demand once the player is in (its code
 * is not part of what the watch page needs to play: scripts/check-budget.mjs).
 * Messages, reactions and view beacons are signed with this browser's own
 * key, in the signer worker, and the gateway validates them as every node does.
 */
import { REACTIONS, type Reaction, type SocialCounts, type SocialEvent, type SocialLiveCounts } from '@mhc/protocols'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../lib/api.js'
import { markTipUsed, pendingTip, type ReadyTip, readyTip } from '../tips/tip-store.js'
import { ChatLog } from './ChatLog.js'
import { Composer } from './Composer.js'
import { type LinkState, openStream, postSocial } from './chat-api.js'
import { savedName, saveName } from './name.js'
import { SignerClient } from './signer.js'
import type { IdentityInfo, SealRequest } from './signer-protocol.js'
import { watchViews } from './watch-time.js'
import './chat.css'

/** Messages kept on the page; the gateway keeps the history. */
const KEEP = 500

interface Props {
  cid: string
  /** The counts the video's detail came with, shown until the stream sends its own. */
  counts: SocialCounts
  /** A live stream's owner key, whom tips in its chat go to; a video's chat finds its creator in the manifest. */
  creator?: string | undefined
}

/** Refusals that mean the carried receipt will never tip: it is dropped, and the message can go without it. */
const DEAD_TIP = new Set(['MHC_ERR_TIP_REUSED', 'MHC_ERR_TIP_NOT_RECEIPT', 'MHC_ERR_ENTITLEMENT_EXPIRED', 'MHC_ERR_ENTITLEMENT_REVOKED', 'MHC_ERR_ENTITLEMENT_SUBJECT', 'MHC_ERR_ENTITLEMENT_CREATOR', 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY'])

const LINK_TEXT: Record<LinkState, string> = {
  connecting: 'Connecting…',
  open: '',
  retrying: 'Reconnecting…',
  closed: 'Chat is unavailable here right now.'
}

/** `list` with `m` at the end, unless it is there already (the stream and a post's answer both bring one's own messages). */
function withMessage (list: SocialEvent[], m: SocialEvent): SocialEvent[] {
  return list.some(x => x.id === m.id) ? list : [...list, m].slice(-KEEP)
}

/** A refusal in words for the reader. */
function reason (err: unknown): string {
  if (err instanceof ApiError) return err.status === 429 ? `Slow down: ${err.detail}` : err.detail
  // Refused by the wire format before it was signed: the same rules every node applies.
  if ((err as { code?: unknown }).code === 'MHC_ERR_WIRE_FORMAT') return 'Chat is plain text: no HTML tags or control characters.'
  return (err as Error).message
}

export function ChatPanel ({ cid, counts: initial, creator }: Props) {
  const [messages, setMessages] = useState<SocialEvent[]>([])
  const [counts, setCounts] = useState<SocialLiveCounts | SocialCounts>(initial)
  const [link, setLink] = useState<LinkState>('connecting')
  const [me, setMe] = useState<IdentityInfo | null>(null)
  const [noKey, setNoKey] = useState<string | null>(null)
  const [name, setName] = useState(savedName)
  const [replyTo, setReplyTo] = useState<SocialEvent | null>(null)
  const [reacted, setReacted] = useState<ReadonlySet<string>>(new Set())
  const [reactError, setReactError] = useState<string | null>(null)
  const [tip, setTip] = useState<ReadyTip | undefined>(() => readyTip(cid))
  const [tipping, setTipping] = useState<typeof import('../tips/TipButton.js') | null>(null)
  const root = useRef<HTMLElement>(null)
  const signer = useRef<SignerClient | null>(null)
  const seq = useRef(0)
  const nameRef = useRef(name)
  nameRef.current = name

  useEffect(() => {
    const s = new SignerClient()
    signer.current = s
    s.identity().then(setMe, (err: unknown) => setNoKey((err as Error).message))
    return () => s.close()
  }, [])

  // The tip button's code comes once there is a key to tip from; a tip paid but whose receipt had not come yet is waited for here.
  useEffect(() => { if (me !== null) import('../tips/TipButton.js').then(setTipping, () => {}) }, [me])
  useEffect(() => {
    setTip(readyTip(cid))
    if (pendingTip()?.chat !== cid) return
    const ctrl = new AbortController()
    import('../tips/tip-return.js').then(m => m.collectTip({ signal: ctrl.signal })).then(r => { if (r?.tip !== undefined && r.pending.chat === cid) setTip(r.tip) }, () => {})
    return () => ctrl.abort()
  }, [cid])

  useEffect(() => {
    setMessages([])
    return openStream(cid, {
      message: m => { if (m.kind === 'chat') setMessages(list => withMessage(list, m)) },
      counts: setCounts,
      link: setLink
    })
  }, [cid])

  /** Sign and post one message of this browser's. */
  const post = async (draft: { kind: 'chat', text: string, replyTo?: string, tip?: string } | { kind: 'reaction', emoji: Reaction } | { kind: 'view', watched: number }): Promise<SocialEvent> => {
    if (me === null || signer.current === null) throw new Error(noKey ?? 'Your chat key is not ready yet')
    // Sequence numbers only need to be new for this key: the clock makes them so across reloads.
    seq.current = Math.max(seq.current + 1, Date.now())
    const common = { v: 1 as const, manifest: cid, ts: Date.now(), seq: seq.current, name: nameRef.current || 'viewer' }
    const request: SealRequest = draft.kind === 'chat'
      ? { kind: 'chat', payload: { ...common, text: draft.text, ...(draft.replyTo === undefined ? {} : { replyTo: draft.replyTo }), ...(draft.tip === undefined ? {} : { tip: draft.tip }) } }
      : draft.kind === 'reaction'
        ? { kind: 'reaction', payload: { ...common, emoji: draft.emoji } }
        : { kind: 'view', payload: { ...common, watched: draft.watched } }
    const path = draft.kind === 'chat' ? 'chat' : draft.kind === 'reaction' ? 'reactions' : 'views'
    return await postSocial(cid, path, await signer.current.seal(request))
  }
  const postRef = useRef(post)
  postRef.current = post

  // View beacons from the player beside this panel, once there is a key to sign them.
  useEffect(() => {
    const watch = root.current?.closest<HTMLElement>('.watch')
    if (me === null || watch == null) return
    return watchViews(watch, watched => { postRef.current({ kind: 'view', watched }).catch(() => {}) })
  }, [me])

  const send = async (text: string): Promise<void> => {
    const carried = tip
    try {
      const sent = await post({ kind: 'chat', text, ...(replyTo === null ? {} : { replyTo: replyTo.id }), ...(carried === undefined ? {} : { tip: carried.entitlement }) })
      if (carried !== undefined) {
        markTipUsed(cid, carried.id)
        setTip(undefined)
      }
      setReplyTo(null)
      // Shown at once; whichever of this and the stream's copy comes second is dropped.
      setMessages(list => withMessage(list, sent))
    } catch (err) {
      if (carried !== undefined && err instanceof ApiError && DEAD_TIP.has(err.code)) {
        markTipUsed(cid, carried.id)
        setTip(undefined)
        throw new Error(`Your tip could not go with the message: ${err.detail}`)
      }
      throw new Error(reason(err))
    }
  }

  const react = (emoji: Reaction): void => {
    setReactError(null)
    post({ kind: 'reaction', emoji }).then(() => setReacted(s => new Set(s).add(emoji)), (err: unknown) => setReactError(reason(err)))
  }

  const watching = 'watching' in counts ? counts.watching : undefined
  return (
    <section class='chat' ref={root} aria-label='Chat' data-testid='chat'>
      <header class='chat-top'>
        <h2>Chat</h2>
        <p class='chat-counts muted' data-testid='chat-counts'>
          {watching !== undefined && <span data-testid='watching'>{watching} watching</span>}
          {watching !== undefined && ' · '}
          <span data-testid='views'>{counts.views} {counts.views === 1 ? 'view' : 'views'}</span>
        </p>
      </header>
      {me !== null && tipping !== null && tip === undefined && <tipping.TipButton chat={cid} creator={creator} video={creator === undefined ? cid : undefined} me={me.author} />}
      <div class='reactions' role='group' aria-label='Reactions'>
        {REACTIONS.map(emoji => (
          <button type='button' key={emoji} class='reaction' aria-pressed={reacted.has(emoji)} disabled={me === null}
            onClick={() => react(emoji)} data-emoji={emoji} title={`React with ${emoji}`}>
            {emoji} <span class='reaction-count'>{counts.reactions[emoji] ?? 0}</span>
          </button>
        ))}
      </div>
      {reactError !== null && <p class='chat-error' role='alert'>{reactError}</p>}
      {LINK_TEXT[link] !== '' && <p class='chat-link-state muted' role='status'>{LINK_TEXT[link]}</p>}
      <ChatLog messages={messages} me={me?.author} onReply={setReplyTo} />
      {noKey !== null
        ? <p class='chat-error'>{noKey}</p>
        : <Composer name={name} onName={n => { setName(n); saveName(n) }} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} onSend={send} tip={tip} />}
    </section>
  )
}
