/**
 * A subscriber-only video's key (docs/specs/content-keys.md), in a chunk of
 * its own that only such a video's watch page loads (the watch page's JS
 * budget). As the player starts, it asks this page's gateway for the key
 * with a fresh key-request proof the signer worker makes with this browser's
 * key, and the entitlements this browser keeps: hls.js gets the key from
 * memory (the verified source's `key`) once it came; refused, the page shows
 * the lock in place of the player, never a player stalled on the key.
 */
import type { VideoManifest } from '@mhc/protocols'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import { rememberPrimaryElsewhere } from '../account/devices-elsewhere.js'
import { resigned } from '../account/resigned.js'
import type { SignerReply, SignerRequest } from '../chat/signer-protocol.js'
import { ApiError, problemFrom } from '../lib/api.js'
import { getProfile, post } from '../lib/auth-api.js'
import { type LinkAnswer, linkKeyUrl, linkNonce, parseLinkAnswer, rememberLinkNonce, takeLinkNonce } from '../lib/gateway-link.js'
import { heldEntitlements, holdEntitlements } from '../lib/held-entitlements.js'
import type { Loaded } from '../verify/source.js'

/** Loads the key for hls.js (the verified source's `key`). */
export type KeyLoader = (url: string, signal?: AbortSignal) => Promise<Loaded>

/** The key loader, and `close` for when the page leaves the video: its signer worker goes. */
export interface KeyAccess { load: KeyLoader, close(): void }

async function fetchKey (ask: Ask, url: string, keyId: string, signal?: AbortSignal): Promise<Uint8Array> {
  const target = new URL(url, location.href)
  const proof = await ask({ op: 'seal', kind: 'keyRequest', payload: { keyId, origin: target.origin } }) as string
  const held = heldEntitlements().join(',')
  const res = await fetch(target, { headers: { 'mhc-key-proof': proof, ...(held ? { 'mhc-entitlement': held } : {}) }, cache: 'no-store', ...(signal ? { signal } : {}) })
  if (!res.ok) throw await problemFrom(res)
  return new Uint8Array(await res.arrayBuffer())
}

function Lock ({ manifest, author, error }: { manifest: VideoManifest, author: string, error: Error }) {
  const refused = error instanceof ApiError
  // A subscription is bought for this browser's key: the viewer may need to give it.
  const [copied, setCopied] = useState(false)
  const [elsewhere, setElsewhere] = useState('')
  const [badGateway, setBadGateway] = useState(false)
  // Bought on another gateway: that gateway's browser key links this one (lib/gateway-link.ts), and the page comes back here.
  const bring = (e: Event): void => {
    e.preventDefault()
    const nonce = linkNonce()
    const url = linkKeyUrl(elsewhere, author, location.href.split('#')[0] ?? location.href, nonce)
    setBadGateway(url === undefined)
    if (url === undefined) return
    rememberLinkNonce(nonce)
    location.assign(url.href)
  }
  return (
    <div class='lock' role='status' data-testid='subscribers-lock' data-key={author} data-code={refused ? error.code : 'MHC_CLIENT_KEY'}>
      <p class='lock-title'>Subscribers only</p>
      <p>
        {refused && error.status === 402
          ? 'This video is for the creator\'s subscribers. Subscribe to watch it here and on any gateway.'
          : `The key to this video could not be had: ${refused ? error.detail : error.message}`}
      </p>
      <p>
        <a href={`/c/${manifest.creator}?subscribe=${encodeURIComponent(location.pathname)}`} data-testid='lock-subscribe'>Subscribe</a> · <a href={`/c/${manifest.creator}`}>The creator's channel</a>
        {author !== '' && <> · <button type='button' class='link' onClick={() => { navigator.clipboard?.writeText(author).then(() => setCopied(true), () => {}) }}>{copied ? 'Key copied' : 'Copy my key'}</button></>}
      </p>
      {author !== '' && (
        <form class='lock-elsewhere' onSubmit={bring} data-testid='lock-elsewhere'>
          <label>Subscribed on another gateway? Its address: <input type='text' inputMode='url' placeholder='gateway.example' value={elsewhere} onInput={e => setElsewhere(e.currentTarget.value)} aria-invalid={badGateway} required /></label>
          {' '}<button type='submit'>Bring my subscription here</button>
          {badGateway && <span role='alert'> That is not a gateway's address (https://…).</span>}
        </form>
      )}
    </div>
  )
}

type Ask = (request: DistributiveOmit<SignerRequest, 'id'>) => Promise<unknown>
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/**
 * The signer worker's client, the few lines this page needs of it.
 * (Budget note: a lazy chunk whose only imports shared with the entry are
 * preact's JSX runtime made the bundler split that runtime out of the entry,
 * +0.25 KB gzip on the watch page; importing preact/hooks, as the other lazy
 * chunks do, keeps it in the entry. chat/signer.ts's SignerClient is not
 * imported for the same reason.)
 */
function signer (worker: Worker): Ask {
  let next = 0
  return async request => await new Promise((resolve, reject) => {
    const id = ++next
    const timer = setTimeout(() => {
      worker.removeEventListener('message', on)
      reject(new Error('The signer did not answer in time'))
    }, 15_000)
    const on = (e: MessageEvent<SignerReply>): void => {
      if (e.data.id !== id) return
      worker.removeEventListener('message', on)
      clearTimeout(timer)
      if (e.data.ok) resolve(e.data.value)
      else reject(new Error(`${e.data.message} (${e.data.code})`))
    }
    worker.addEventListener('message', on)
    worker.postMessage({ ...request, id } as SignerRequest)
  })
}

/**
 * Ask for the key of `manifest`'s video now, and return the key loader: the
 * player starts meanwhile (hls.js needs the key only for the first segment,
 * after the playlists and the init segment). When the gateway refuses,
 * `onLock` gets the lock, which the page shows in place of the player, and
 * the player's request for the key never settles.
 */
/**
 * Back from another gateway's `/link-key` (lib/gateway-link.ts): post the
 * primary key's record that lists this browser's key, sign and post this
 * key's own half (`of`, keeping its name or taking the primary's), and keep
 * the entitlements the other browser held, so the key request presents them.
 */
async function applyLink (ask: Ask, key: string, linked: LinkAnswer): Promise<void> {
  try {
    // Gossip may have brought it here first: the same record known already is as good.
    await post('/api/v1/profiles', { envelope: linked.record }).catch((err: unknown) => { if (!(err instanceof ApiError && err.code === 'MHC_ERR_PROFILE_STALE')) throw err })
    const primary = await getProfile(linked.key)
    const payload = resigned(await getProfile(key), primary?.name ?? 'Viewer', { of: linked.key })
    await post('/api/v1/profiles', { envelope: await ask({ op: 'seal', kind: 'profile', payload }) as string })
    rememberPrimaryElsewhere(linked.key)
    holdEntitlements(linked.entitlements)
  } catch (err) {
    throw new Error(`The link from the other gateway could not be used here: ${err instanceof ApiError ? err.detail : String(err)}`, { cause: err })
  }
}

/** What the player's key request waits on once the key was refused: the lock replaces the player, which aborts it. */
const NEVER = new Promise<never>(() => {})

export function access (manifest: VideoManifest, onLock: (lock: VNode) => void): KeyAccess {
  const keyId = manifest.keyId ?? ''
  const first = `/api/v1/keys/${keyId}`
  const w = new Worker(new URL('../chat/signer.worker.ts', import.meta.url), { type: 'module', name: 'mhc-signer' })
  const s = signer(w)
  let author = ''
  const answer = parseLinkAnswer(location.hash)
  // The fragment is for this page once: a reload must not post it again, nor a shared link carry it.
  if (answer !== undefined) history.replaceState(history.state, '', location.href.split('#')[0])
  // Only the answer to what this tab asked: a crafted link must not make this key a device of someone else's.
  const linked = answer !== undefined && takeLinkNonce(answer) ? answer : undefined
  const bytes = s({ op: 'identity' }).then(async me => {
    author = (me as { author: string }).author
    if (linked !== undefined) await applyLink(s, author, linked)
    return await fetchKey(s, first, keyId)
  })
  bytes.catch((err: unknown) => {
    w.terminate()
    onLock(<Lock manifest={manifest} author={author} error={err instanceof Error ? err : new Error(String(err))} />)
  })
  // hls.js asks for the key URI the playlists name: the one asked for above is served from memory, any other with a new proof.
  return {
    load: async (url, signal) => {
      const b = new URL(url, location.href).pathname === first ? await bytes.catch(() => NEVER) : await fetchKey(s, url, keyId, signal)
      return { bytes: b, firstByteAt: performance.now() }
    },
    close: () => { w.terminate() }
  }
}
