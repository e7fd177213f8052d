import type { SocialEvent } from '@mhc/protocols'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import { shortenKey } from '../lib/format.js'
import { formatTip } from '../tips/tip-store.js'

interface Props {
  messages: SocialEvent[]
  /** This browser's author key: its own messages are marked, and always scrolled to. */
  me: string | undefined
  onReply(message: SocialEvent): void
}

/** Within this many pixels of the end counts as reading the newest messages. */
const AT_END_PX = 48

const time = (ts: number): string => new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })

/**
 * The messages, oldest first. It follows new messages while the reader is at
 * the end; once they scroll up it stays put and counts what arrived in a
 * "new messages" pill. Every string from the network is rendered as text.
 */
export function ChatLog ({ messages, me, onReply }: Props) {
  const list = useRef<HTMLOListElement>(null)
  const atEnd = useRef(true)
  const seen = useRef(0)
  const [unseen, setUnseen] = useState(0)
  const byId = new Map(messages.map(m => [m.id, m]))

  const toEnd = (): void => {
    const el = list.current
    if (el !== null) el.scrollTop = el.scrollHeight
    atEnd.current = true
    setUnseen(0)
  }

  useLayoutEffect(() => {
    const added = messages.slice(seen.current)
    seen.current = messages.length
    if (added.length === 0) return
    if (atEnd.current || added.some(m => m.author === me)) toEnd()
    else setUnseen(n => n + added.length)
  }, [messages, me])

  const onScroll = (): void => {
    const el = list.current
    if (el === null) return
    atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < AT_END_PX
    if (atEnd.current) setUnseen(0)
  }

  return (
    <div class='chat-log-wrap'>
      <ol class='chat-log' ref={list} onScroll={onScroll} aria-live='polite' aria-relevant='additions' data-testid='chat-log'>
        {messages.length === 0 && <li class='chat-empty muted'>No messages yet. Say hello!</li>}
        {messages.map(m => {
          const parent = m.replyTo === undefined ? undefined : byId.get(m.replyTo)
          return (
            <li key={m.id} class={`chat-msg${m.author === me ? ' mine' : ''}${m.tip === undefined ? '' : ' tipped'}`} data-id={m.id}>
              {/* Checked by every node: a paid receipt for this chat's creator, carried once. */}
              {m.tip !== undefined && <p class='chat-tip' data-testid='chat-tip'>Tipped {formatTip(m.tip.amount, m.tip.currency)}</p>}
              <div class='chat-head'>
                {/* The author's signed profile name once their node published one; else the name the message asserts. */}
                <span class='chat-name' title={m.profileName !== undefined && m.profileName !== m.name ? `signs messages as ${m.name}` : undefined}>{m.profileName ?? m.name}</span>
                {/* The key is who wrote it; the name is only what they call themselves. */}
                <code class='chat-key' title={m.author}>{shortenKey(m.author)}</code>
                <time class='chat-time' dateTime={new Date(m.ts).toISOString()}>{time(m.ts)}</time>
                <button type='button' class='chat-reply' onClick={() => onReply(m)} aria-label={`Reply to ${m.profileName ?? m.name}`}>Reply</button>
              </div>
              {m.replyTo !== undefined && (
                <p class='chat-quote muted'>↪ {parent === undefined ? 'an earlier message' : `${parent.name}: ${(parent.text ?? '').slice(0, 80)}`}</p>
              )}
              <p class='chat-text'>{m.text}</p>
            </li>
          )
        })}
      </ol>
      {unseen > 0 && (
        <button type='button' class='chat-pill' onClick={toEnd} data-testid='chat-pill'>
          {unseen === 1 ? '1 new message' : `${unseen} new messages`} ↓
        </button>
      )}
    </div>
  )
}
