import { type ChatPayload, decodeEnvelope, encodeEnvelope, openSocial, type Signer, type SocialEvent, type SocialLiveCounts, sealSocial, socialTopic, toBase64url } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { sse } from '../helpers/sse.js'

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
const browserKey = (): Signer => { const sk = ed25519.utils.randomSecretKey(); return { publicKey: ed25519.getPublicKey(sk), sign: (d: Uint8Array) => ed25519.sign(d, sk) } }

type Stream = AsyncGenerator<{ id?: string, event?: string, data: string }>

/** The next `n` messages (counts events skipped), leaving the stream open (a `for await` with `break` would close it). */
async function take (stream: Stream, n: number): Promise<SocialEvent[]> {
  const out: SocialEvent[] = []
  while (out.length < n) {
    const next = await stream.next()
    if (next.done === true) break
    if (next.value.event !== 'counts') out.push(JSON.parse(next.value.data) as SocialEvent)
  }
  return out
}

/** The next counts event that satisfies `ok` (messages skipped). */
async function countsUntil (stream: Stream, ok: (c: SocialLiveCounts) => boolean): Promise<SocialLiveCounts> {
  for (let i = 0; i < 1000; i++) {
    const next = await stream.next()
    if (next.done === true) break
    if (next.value.event !== 'counts') continue
    const c = JSON.parse(next.value.data) as SocialLiveCounts
    if (ok(c)) return c
  }
  throw new Error('the stream ended before the counts did')
}

t.test('chat through the gateway', async t => {
  const gw = await startInProcessNode({ gateway: true })
  const peer = await startInProcessNode()
  t.teardown(async () => { await Promise.all([gw.destroy(), peer.destroy()]) })
  await peer.p2p.helia.libp2p.dial(gw.p2p.helia.libp2p.getMultiaddrs()[0] as never, { signal: AbortSignal.timeout(10_000) })
  await peer.social.join(MANIFEST)
  await gw.social.join(MANIFEST)
  // Both nodes on the topic, each knowing the other is: a message published before that reaches nobody.
  const [g, p] = [gw.p2p.helia.libp2p, peer.p2p.helia.libp2p]
  await eventually(() => g.services.pubsub.getSubscribers(socialTopic(MANIFEST)).some(x => x.equals(p.peerId)) && p.services.pubsub.getSubscribers(socialTopic(MANIFEST)).some(x => x.equals(g.peerId)), { what: 'both on the topic' })
  const base = gw.gateway?.url ?? ''
  const browser = browserKey()
  let seq = 0
  const chat = (patch: Partial<ChatPayload> = {}): ChatPayload => ({ v: 1, manifest: MANIFEST, ts: Date.now(), seq: ++seq, name: 'Browser', text: 'hi', ...patch })
  const post = async (path: 'chat' | 'reactions' | 'views', bytes: Uint8Array | string): Promise<Response> => await fetch(`${base}/api/v1/videos/${MANIFEST}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ envelope: typeof bytes === 'string' ? bytes : toBase64url(bytes) })
  })

  t.test('a message signed by the browser is validated, published through the node, and reaches other nodes', async t => {
    const res = await post('chat', await sealSocial('chat', chat({ text: 'from a browser' }), browser))
    t.equal(res.status, 200)
    const event = await res.json() as SocialEvent
    t.match(event, { kind: 'chat', author: toBase64url(browser.publicKey), text: 'from a browser' })
    await eventually(async () => (await peer.social.history(MANIFEST)).some(m => m.id === event.id), { what: 'the message on the peer' })
  })

  t.test('refusals are problem documents with the validator\'s code', async t => {
    const other = browserKey()
    const good = await sealSocial('chat', chat(), browser)
    const forged = Uint8Array.from(good)
    forged[forged.length - 2] = (forged[forged.length - 2] ?? 0) ^ 1
    // Signed by the browser's key, but naming another key as its author: the signature does not verify for that key.
    const otherKeyEnvelope = encodeEnvelope({ ...decodeEnvelope(await sealSocial('chat', chat({ text: 'whose key?' }), browser)), publicKey: other.publicKey })
    const misposted = await sealSocial('reaction', { v: 1, manifest: MANIFEST, ts: Date.now(), seq: ++seq, name: 'B', emoji: '🔥' }, browser)
    const cases: Array<[string, 'chat' | 'reactions', Uint8Array | string, number, string]> = [
      ['a forged signature', 'chat', forged, 422, 'MHC_ERR_SIGNATURE_INVALID'],
      ['a key that is not the signer\'s', 'chat', otherKeyEnvelope, 422, 'MHC_ERR_SIGNATURE_INVALID'],
      ['another video\'s message', 'chat', await sealSocial('chat', chat({ manifest: 'bafyreia7opnrd3pyodjx5exnoppk5xv2maqrtgvkmamxillbxs6be6bd5e' }), other), 422, 'MHC_ERR_SOCIAL_TOPIC'],
      ['a stale message', 'chat', await sealSocial('chat', chat({ ts: Date.now() - 5 * 60_000 }), other), 422, 'MHC_ERR_SOCIAL_TIME'],
      ['a replay', 'chat', good, 200, ''],
      ['the same again', 'chat', good, 409, 'MHC_ERR_SOCIAL_REPLAY'],
      ['a reaction on the chat endpoint', 'chat', misposted, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['not base64url', 'chat', 'not base64!', 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      ['64 KiB', 'chat', toBase64url(new Uint8Array(64 * 1024)), 400, 'MHC_ERR_GATEWAY_BAD_REQUEST']
    ]
    for (const [what, path, bytes, status, code] of cases) {
      const res = await post(path, bytes)
      t.equal(res.status, status, `${what} → ${status}`)
      if (code !== '') t.equal((await res.json() as { code: string }).code, code, `${what} → ${code}`)
      else await res.arrayBuffer()
    }
    const misId = (await openSocial(misposted)).id
    t.notOk((await gw.social.history(MANIFEST)).some(m => m.id === misId), 'a message refused by the endpoint was not published or kept')
    t.notOk((await gw.social.history(MANIFEST)).some(m => m.kind === 'chat' && m.payload.text === 'whose key?'), 'nor was the one under another key')
    const reaction = await post('reactions', await sealSocial('reaction', { v: 1, manifest: MANIFEST, ts: Date.now(), seq: ++seq, name: 'B', emoji: '👏' }, browser))
    t.equal(reaction.status, 200)
    t.match(await reaction.json(), { kind: 'reaction', emoji: '👏' })
  })

  t.test('the event stream sends history, then live messages; resuming with Last-Event-ID loses nothing and repeats nothing', async t => {
    const url = `${base}/api/v1/videos/${MANIFEST}/chat/events`
    const first = new AbortController()
    t.teardown(() => { first.abort() })
    const history = (await gw.social.history(MANIFEST)).filter(m => m.kind !== 'view')
    const stream = sse(url, {}, first.signal)
    const seen = await take(stream, history.length)
    t.same(seen.map(e => e.id), history.map(m => m.id), 'the history, in order')
    const live = await (await post('chat', await sealSocial('chat', chat({ text: 'live' }), browser))).json() as SocialEvent
    const [next] = await take(stream, 1)
    t.equal(next?.id, live.id, 'then the live message')
    first.abort()
    // Two messages while the client is away, from a node peer and from a browser.
    const missed = [
      (await peer.social.send(MANIFEST, { kind: 'chat', name: 'Peer', text: 'while you were away' })).id,
      ((await (await post('chat', await sealSocial('chat', chat({ text: 'and this' }), browser))).json()) as SocialEvent).id
    ]
    await eventually(async () => missed.every(id => undefined !== id) && (await gw.social.history(MANIFEST)).some(m => m.id === missed[0]), { what: 'the peer\'s message on the gateway node' })
    const again = new AbortController()
    t.teardown(() => { again.abort() })
    const resumed = await take(sse(url, { 'last-event-id': live.id }, again.signal), 2)
    t.same(resumed.map(e => e.id).sort(), [...missed].sort(), 'exactly the two it missed')
    again.abort()
  })

  t.test('the event stream counts who watches now, and the views and reactions as they come', async t => {
    const url = `${base}/api/v1/videos/${MANIFEST}/chat/events`
    const [one, two] = [new AbortController(), new AbortController()]
    t.teardown(() => { one.abort(); two.abort() })
    const a = sse(url, {}, one.signal)
    const first = await countsUntil(a, () => true)
    t.equal(first.watching, 1, 'after the history: one stream open')
    t.same({ views: first.views, reactions: first.reactions }, await gw.social.counts(MANIFEST), 'with the node\'s counts')
    const b = sse(url, {}, two.signal)
    t.equal((await countsUntil(b, () => true)).watching, 2, 'a second viewer sees two')
    t.equal((await countsUntil(a, c => c.watching === 2)).watching, 2, 'and the first hears of the second')
    const viewer = browserKey()
    const beacon = await post('views', await sealSocial('view', { v: 1, manifest: MANIFEST, ts: Date.now(), seq: 1, name: 'Viewer', watched: 0 }, viewer))
    t.equal(beacon.status, 200)
    t.match(await beacon.json(), { kind: 'view', author: toBase64url(viewer.publicKey) })
    const counted = await countsUntil(a, c => c.views === first.views + 1)
    t.equal(counted.views, first.views + 1, 'a view beacon posted by a browser counts as one more view')
    const chatAsView = await post('views', await sealSocial('chat', chat(), viewer))
    t.equal(chatAsView.status, 400, 'the views endpoint takes view beacons only')
    two.abort()
    t.equal((await countsUntil(a, c => c.watching === 1)).watching, 1, 'a viewer who leaves is no longer counted')
  })

  t.test('OpenAPI describes every chat endpoint', async t => {
    const doc = await (await fetch(`${base}/api/docs`)).json() as { paths: Record<string, Record<string, unknown>> }
    for (const path of ['chat/events', 'chat', 'reactions', 'views']) t.ok(doc.paths[`/api/v1/videos/{manifest}/${path}`], path)
    t.match(JSON.stringify(doc.paths['/api/v1/videos/{manifest}/chat/events']), /counts/, 'with the counts event explained')
  })

  t.test('open streams per address are bounded', async t => {
    const url = `${base}/api/v1/videos/${MANIFEST}/chat/events`
    const controllers = Array.from({ length: 8 }, () => new AbortController())
    t.teardown(() => { for (const c of controllers) c.abort() })
    const opened = await Promise.all(controllers.map(async c => await fetch(url, { signal: c.signal })))
    t.same(opened.map(r => r.status), Array(8).fill(200))
    const ninth = await fetch(url)
    t.equal(ninth.status, 429)
    t.equal((await ninth.json() as { code: string }).code, 'MHC_ERR_RATE_LIMITED')
  })
})

