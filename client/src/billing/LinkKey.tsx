/**
 * `/link-key?key=…&back=…`: another gateway's browser key asks to count as
 * one of this browser's key's devices, so the subscriptions bought here play
 * there too (lib/gateway-link.ts, docs/specs/content-keys.md). Anyone can
 * make such a link, so nothing happens until the fan confirms, and the page
 * says what linking means. Confirmed: this key's profile lists that key
 * (signed here, published to this gateway's node), and the browser goes
 * back with the record and the entitlements this browser holds.
 */
import { ENTITLEMENTS_PROOF_HEADER, PROFILE_DEVICES_MAX } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { rememberElsewhere } from '../account/devices-elsewhere.js'
import { withSigner } from '../account/key-proof.js'
import { resigned } from '../account/resigned.js'
import { storedAuthor } from '../chat/identity.js'
import type { SignerClient } from '../chat/signer.js'
import { ProblemMessage } from '../components/ProblemMessage.js'
import { authApi, getProfile } from '../lib/auth-api.js'
import { shortenKey } from '../lib/format.js'
import { answerUrl, LINK_ENTITLEMENTS_MAX, type LinkAsk, parseLinkAsk } from '../lib/gateway-link.js'
import { heldEntitlements } from '../lib/held-entitlements.js'
import { entitlementsOf } from './api.js'
import { useAction } from './buyer.js'

/**
 * What this browser holds for `key`: the envelopes it keeps, then the valid
 * ones this gateway's bridge lists for the key (asked with a fresh proof, so
 * no login is needed; a gateway that is no bridge has none to list).
 */
async function entitlementsFor (s: SignerClient, key: string): Promise<string[]> {
  let listed: string[] = []
  try {
    const proof = await s.seal({ kind: 'entitlementsRequest', payload: { subject: key, origin: location.origin } })
    const withProof = async (url: string, init?: RequestInit): Promise<Response> => await fetch(url, { ...init, headers: { ...init?.headers, [ENTITLEMENTS_PROOF_HEADER]: proof } })
    listed = (await entitlementsOf(key, { fetch: withProof })).filter(e => e.status === 'valid').map(e => e.entitlement)
  } catch {}
  return [...new Set([...heldEntitlements(), ...listed])].slice(0, LINK_ENTITLEMENTS_MAX)
}

/**
 * List `device`, a browser key of another gateway, among this browser's
 * key's devices (lib/gateway-link.ts): sign the record, publish it here,
 * and remember the key so the account's re-signing keeps it. Answers the
 * record (base64url) for the other gateway. A key that is itself another
 * key's device cannot list devices (no chains, decision 0015).
 */
async function linkElsewhere (s: SignerClient, device: string, name: string): Promise<{ key: string, record: string }> {
  const key = (await s.identity()).author
  if (device === key) throw new Error('That is this browser\'s own key.')
  const current = await getProfile(key)
  const of = current?.claims.of
  if (typeof of === 'string') throw new Error(`This browser's key is a device of ${of}: open the link in the browser of that key, which speaks for you.`)
  const devices = [...new Set([...(current?.claims.devices ?? []), device])]
  if (devices.length > PROFILE_DEVICES_MAX) throw new Error(`This key lists ${PROFILE_DEVICES_MAX} devices already: unlink one in Settings first.`)
  const record = await s.seal({ kind: 'profile', payload: resigned(current, name, { devices }) })
  await authApi.publishProfile(record)
  rememberElsewhere(device, PROFILE_DEVICES_MAX)
  return { key, record }
}

export function LinkKey () {
  const [ask] = useState<LinkAsk | undefined>(() => parseLinkAsk(location.search))
  const [own, setOwn] = useState<string | undefined | null>(null)
  const { busy, problem, run } = useAction('The key could not be linked')
  useEffect(() => {
    document.title = 'Link a browser on another gateway · MHC'
    void storedAuthor().then(setOwn)
  }, [])

  if (ask === undefined) {
    return <section class='narrow' data-testid='link-key'><h1>Link a browser on another gateway</h1><p role='alert'>This link is not complete: it must name a browser key and the page to go back to.</p></section>
  }
  const there = ask.back.host
  // One signer worker for the record and the listing's proof.
  const link = (): void => run(async () => {
    const answer = await withSigner(async s => {
      const { key, record } = await linkElsewhere(s, ask.key, `Viewer ${shortenKey(own ?? '')}`)
      return { v: 1 as const, nonce: ask.nonce, key, record, entitlements: await entitlementsFor(s, key) }
    })
    location.assign(answerUrl(ask.back, answer))
  })
  return (
    <section class='narrow' aria-labelledby='link-key-title' data-testid='link-key'>
      <h1 id='link-key-title'>Link a browser on {there}</h1>
      {own === undefined
        ? <p role='alert' data-testid='link-key-none'>This browser has no key on this gateway, so nothing bought here is tied to it. Open the link in the browser you subscribed with.</p>
        : (
          <>
            <p>The browser key <code data-testid='link-key-device'>{shortenKey(ask.key)}</code> on <strong>{there}</strong> asks to count as one of your devices.</p>
            <p>Linked, it can use your subscriptions on {there} (and on any gateway) and chats under your name. Link it only if you just asked for this on {there} yourself; you can unlink it in Settings.</p>
            {problem !== null && <ProblemMessage problem={problem} />}
            <p class='actions'>
              <button type='button' class='primary' disabled={busy || own === null} onClick={link} data-testid='link-key-confirm'>{busy ? 'Linking…' : `Link and go back to ${there}`}</button>
              {' '}<a href={ask.back.href} data-testid='link-key-cancel'>Cancel</a>
            </p>
          </>
          )}
    </section>
  )
}
