import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { blockBytes } from '@mhc/gateway'
import {
  type ChatLine, canonicalJson, checkProfile, decodeEnvelope, encodeEnvelope, PROFILE_DOMAIN, PROFILE_PAYLOAD_TYPE, PROFILE_PROTOCOL, PROFILE_TOPIC,
  type ProfilePayload, type ProfileView, type Signer, type SocialEvent, seal, sealProfile, socialTopic, toBase64url
} from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { ed25519 } from '@noble/curves/ed25519.js'
import { CID } from 'multiformats/cid'
import { pino } from 'pino'
import t from 'tap'
import { show } from '../../src/cli/commands/chat.js'
import { createNode, type MhcNode } from '../../src/daemon.js'
import { serveProfiles } from '../../src/profile/exchange.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { sse } from '../helpers/sse.js'

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')

type Node = Pick<MhcNode, 'p2p' | 'profiles' | 'id'>
const libp2p = (n: Node) => n.p2p.helia.libp2p
const keyOf = (n: Node): string => n.id().publicKey
const randomSigner = (): Signer => { const sk = ed25519.utils.randomSecretKey(); return { publicKey: ed25519.getPublicKey(sk), sign: (d: Uint8Array) => ed25519.sign(d, sk) } }
const profile = (patch: Partial<ProfilePayload> = {}): ProfilePayload => ({ v: 1, name: 'Someone', bio: '', links: [], updated: Date.now(), ...patch })
/** Sign anything as a profile, skipping sealProfile's checks: what a hostile peer can send. */
const sealRaw = async (payload: unknown, signer: Signer): Promise<Uint8Array> => encodeEnvelope(await seal(PROFILE_DOMAIN, PROFILE_PAYLOAD_TYPE, canonicalJson(payload), signer))

async function connect (from: Node, to: Node): Promise<void> {
  const addr = libp2p(to).getMultiaddrs()[0]
  if (addr === undefined) throw new Error('no listen address')
  await libp2p(from).dial(addr, { signal: AbortSignal.timeout(10_000) })
}

/**
 * Wait until each link is in both ends' gossipsub mesh for `topic`: a node forwards only to its mesh peers,
 * so a record published before that may stop at the first hop (and a restarted peer keeps its peer id,
 * so "subscribed" alone can be the old connection's stale state).
 */
async function meshed (links: Array<[Node, Node]>, topic = PROFILE_TOPIC): Promise<void> {
  const mesh = (n: Node): string[] => (libp2p(n).services.pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(topic)
  const inMesh = (n: Node, of: Node): boolean => mesh(n).includes(libp2p(of).peerId.toString())
  for (const [x, y] of links) await eventually(() => inMesh(x, y) && inMesh(y, x), { what: `both ends of a link in the ${topic} mesh` })
}

async function api (node: MhcNode, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number, body: string, json: () => unknown }> {
  const token = (await readFile(node.repo.paths.token, 'utf8')).trim()
  const res = await node.api.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) })
  return { status: res.statusCode, body: res.payload, json: () => JSON.parse(res.payload) as unknown }
}
const codeOf = (res: { json: () => unknown }): string | undefined => (res.json() as { error?: { code?: string } }).error?.code

async function restart (node: InProcessNode): Promise<MhcNode> {
  await node.stop()
  return await createNode(node.repo.paths.root, {}, pino({ level: 'silent' }))
}

/**
 * Restart having forgotten every peer, so it dials nobody when it comes back:
 * gossip still cached by old neighbours cannot reach it behind the test's back.
 */
async function restartAlone (node: InProcessNode): Promise<MhcNode> {
  const l = libp2p(node)
  await Promise.all(l.getConnections().map(async c => c.close()))
  for (const peer of await l.peerStore.all()) await l.peerStore.delete(peer.id)
  return await restart(node)
}

t.test('profiles between nodes', async t => {
  // A line: A - B - C; E is a peer of B that publishes raw bytes, bypassing its own checks.
  const [a, b, c, e] = await Promise.all([startInProcessNode(), startInProcessNode(), startInProcessNode({ gateway: true }), startInProcessNode()])
  const work = await mkdtemp(join(tmpdir(), 'mhc-profile-'))
  t.teardown(async () => {
    await Promise.all([a, b, c, e].map(async n => n.destroy().catch(() => {})))
    await rm(work, { recursive: true, force: true })
  })
  await connect(a, b)
  await connect(c, b)
  await connect(e, b)
  await meshed([[a, b], [c, b], [e, b]])
  const pubsubB = libp2p(b).services.pubsub as unknown as { getScore(peer: string): number }
  /**
   * E sends `records`, then A (honest, and never graylisted) sends a marker of a fresh key through B.
   * Once C has the marker, B has had its chance to forward E's records.
   */
  async function sendFromE (records: Uint8Array[]): Promise<void> {
    for (const bytes of records) await libp2p(e).services.pubsub.publish(PROFILE_TOPIC, bytes)
    const marker = randomSigner()
    await libp2p(a).services.pubsub.publish(PROFILE_TOPIC, await sealProfile(profile({ name: 'Marker' }), marker))
    await eventually(() => c.profiles.nameOf(toBase64url(marker.publicKey)), { what: 'the marker on C' })
  }

  t.test('a profile set on A reaches B and C over gossipsub, as A\'s', async t => {
    const res = await api(a, 'POST', '/v1/profile', { name: 'Ada', bio: 'Films about looms.', links: ['https://example.org/ada'] })
    t.equal(res.status, 200, res.body)
    const view = res.json() as ProfileView
    t.match(view, { key: keyOf(a), name: 'Ada', bio: 'Films about looms.', avatar: null, links: ['https://example.org/ada'] })
    for (const n of [b, c]) {
      await eventually(() => n.profiles.nameOf(keyOf(a)) === 'Ada', { what: 'A\'s name on a peer' })
      const got = await n.profiles.get(keyOf(a), { local: true })
      t.equal(got.key, keyOf(a), 'the key is A\'s: the signer')
      t.equal(got.payload.updated, view.updated)
    }
    t.same((await api(a, 'GET', '/v1/profile')).json(), view, 'A shows its own profile')
  })

  t.test('a newer record replaces the older one; the older one, sent again, is ignored without blame', async t => {
    const older = await c.profiles.get(keyOf(a), { local: true })
    const res = await api(a, 'POST', '/v1/profile', { name: 'Ada Lovelace' })
    t.equal(res.status, 200, res.body)
    const newer = res.json() as ProfileView
    t.ok(newer.updated > older.payload.updated)
    t.same({ bio: newer.bio, links: newer.links }, { bio: older.payload.bio, links: older.payload.links }, 'what the update left out is kept')
    await eventually(() => c.profiles.nameOf(keyOf(a)) === 'Ada Lovelace', { what: 'the newer name on C' })
    t.match(await checkProfile(older.bytes, { now: Date.now(), known: () => newer.updated }), { verdict: 'ignore', error: { code: 'MHC_ERR_PROFILE_STALE' } }, 'the older record is judged stale')
    await sendFromE([older.bytes])
    for (const n of [b, c]) t.equal(n.profiles.nameOf(keyOf(a)), 'Ada Lovelace', 'the older record did not come back')
    t.ok(pubsubB.getScore(e.id().peerId) >= 0, 'an old record costs its sender nothing')
  })

  t.test('a record signed by another key, forged, with markup or control characters, oversized or from the future is refused with its code, not kept and not forwarded', async t => {
    const evil = randomSigner()
    const ada = decodeEnvelope((await c.profiles.get(keyOf(a), { local: true })).bytes)
    const eves = decodeEnvelope(await sealProfile(profile({ name: 'Ada Lovelace', updated: Date.now() }), evil))
    const flipped = await sealProfile(profile({ name: 'Eve' }), evil)
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] ?? 0) ^ 1
    const bad: Array<[string, Uint8Array, string]> = [
      ['Eve\'s newer record put under Ada\'s key', encodeEnvelope({ ...eves, publicKey: ada.publicKey }), 'MHC_ERR_SIGNATURE_INVALID'],
      ['Ada\'s record put under Eve\'s key', encodeEnvelope({ ...ada, publicKey: evil.publicKey }), 'MHC_ERR_SIGNATURE_INVALID'],
      ['a flipped byte', flipped, 'MHC_ERR_SIGNATURE_INVALID'],
      ['a script in the name', await sealRaw(profile({ name: '<script>alert(1)</script>' }), evil), 'MHC_ERR_WIRE_FORMAT'],
      ['an image tag in the bio', await sealRaw(profile({ bio: '<img src=x onerror=alert(1)>' }), evil), 'MHC_ERR_WIRE_FORMAT'],
      ['a terminal escape in the bio', await sealRaw(profile({ bio: 'hi\u001b[2J' }), evil), 'MHC_ERR_WIRE_FORMAT'],
      ['a bidirectional override in the name', await sealRaw(profile({ name: 'Ada\u202eecalevoL' }), evil), 'MHC_ERR_WIRE_FORMAT'],
      ['a javascript: link', await sealRaw(profile({ links: ['javascript:alert(1)'] }), evil), 'MHC_ERR_WIRE_FORMAT'],
      ['over 4096 bytes', await sealRaw(profile({ bio: 'x'.repeat(5000) }), evil), 'MHC_ERR_WIRE_FORMAT'],
      ['dated ten minutes ahead', await sealProfile(profile({ updated: Date.now() + 600_000 }), evil), 'MHC_ERR_PROFILE_TIME']
    ]
    for (const [what, bytes, code] of bad) {
      t.match(await checkProfile(bytes, { now: Date.now(), known: () => undefined }), { verdict: 'reject', error: { code } }, `${what}: ${code}`)
    }
    await sendFromE(bad.map(([, bytes]) => bytes))
    const score = await eventually(() => { const s = pubsubB.getScore(e.id().peerId); return s < 0 ? s : undefined }, { what: 'E\'s score on B below zero', every: 50 })
    t.ok(score < 0, `rejected records cost their sender score on B (${score})`)
    for (const [n, who] of [[b, 'B'], [c, 'C']] as const) {
      t.equal(n.profiles.nameOf(toBase64url(evil.publicKey)), undefined, `${who} kept nothing of Eve's`)
      t.equal(n.profiles.nameOf(keyOf(a)), 'Ada Lovelace', `${who} still has Ada's own record`)
    }
  })

  t.test('bad input through the control API is refused with its code, and the profile stays as it was', async t => {
    const before = (await api(a, 'GET', '/v1/profile')).json() as ProfileView
    const notImage = join(work, 'avatar.png')
    await writeFile(notImage, '<svg onload="alert(1)"></svg>')
    const huge = join(work, 'huge.png')
    await writeFile(huge, Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]))
    const cases: Array<[string, unknown, number, string]> = [
      ['markup in the name', { name: '<b>Ada</b>' }, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['a control character in the bio', { bio: 'bell\u0007' }, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['a javascript: link', { links: ['javascript:alert(1)'] }, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['six links', { links: Array.from({ length: 6 }, (_, i) => `https://e.org/${i}`) }, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['a key field', { key: keyOf(b), name: 'Bo' }, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['an SVG named .png as the avatar', { avatar: notImage }, 422, 'MHC_ERR_AVATAR_INVALID'],
      ['an avatar over 1 MiB', { avatar: huge }, 413, 'MHC_ERR_AVATAR_TOO_LARGE'],
      ['an avatar that does not exist', { avatar: join(work, 'missing.png') }, 400, 'MHC_ERR_PATH_UNREADABLE'],
      ['a directory as the avatar', { avatar: work }, 400, 'MHC_ERR_PATH_UNREADABLE']
    ]
    for (const [what, body, status, code] of cases) {
      const res = await api(a, 'POST', '/v1/profile', body)
      t.equal(res.status, status, `${what}: ${res.body}`)
      t.equal(codeOf(res), code, what)
    }
    const aborted = AbortSignal.abort()
    await t.rejects(a.profiles.set({ name: 'Never' }, { signal: aborted }), { name: 'AbortError' }, 'set with an aborted signal')
    await t.rejects(a.profiles.get(toBase64url(randomSigner().publicKey), { signal: aborted }), { name: 'AbortError' }, 'get with an aborted signal')
    t.same((await api(a, 'GET', '/v1/profile')).json(), before, 'nothing was signed')
    t.equal((await api(a, 'GET', '/v1/profile/not-a-key')).status, 400, 'a malformed key')
  })

  t.test('an image avatar is added, pinned, and named by CID in the record; null removes it', async t => {
    const file = join(work, 'ada.png')
    await writeFile(file, PNG)
    const res = await api(a, 'POST', '/v1/profile', { avatar: file })
    t.equal(res.status, 200, res.body)
    const view = res.json() as ProfileView
    t.match(view, { name: 'Ada Lovelace', avatar: /^bafk/ })
    const cid = CID.parse(view.avatar ?? '')
    t.ok(await a.p2p.helia.pins.isPinned(cid), 'pinned')
    t.same(Buffer.from(await blockBytes(a.p2p.helia.blockstore, cid)), PNG, 'the file\'s bytes (one raw leaf)')
    await eventually(async () => (await c.profiles.get(keyOf(a), { local: true })).payload.avatar === view.avatar, { what: 'the avatar CID on C' })
    const removed = await api(a, 'POST', '/v1/profile', { avatar: null })
    t.equal((removed.json() as ProfileView).avatar, null)
  })

  t.test('show KEY for a key a node never heard fetches it from a peer over /mhc/profile/1.0.0, and that node can then answer for it', async t => {
    // D signs its profile alone, then restarts: the record is only in D's cache (no gossip of it anywhere).
    const lone = await startInProcessNode()
    await lone.profiles.set({ name: 'Dee' })
    const d = await restart(lone)
    t.teardown(async () => { await d.stop(); await lone.destroy() })
    t.equal((await d.profiles.get(keyOf(lone), { local: true })).payload.name, 'Dee', 'D\'s cache survived the restart')
    await connect(d, b)
    t.equal(b.profiles.nameOf(keyOf(lone)), undefined, 'B never heard of D\'s profile')
    const res = await api(b, 'GET', `/v1/profile/${keyOf(lone)}`)
    t.equal(res.status, 200, res.body)
    t.match(res.json(), { key: keyOf(lone), name: 'Dee', avatar: null })
    t.equal(b.profiles.nameOf(keyOf(lone)), 'Dee', 'B keeps what it fetched')
    t.equal(c.profiles.nameOf(keyOf(lone)), undefined, 'a fetch is not broadcast')
    // F knows only B: B answers for D.
    const f = await startInProcessNode()
    t.teardown(async () => f.destroy())
    await connect(f, b)
    t.equal((await f.profiles.get(keyOf(lone))).payload.name, 'Dee')
    const nobody = toBase64url(randomSigner().publicKey)
    const missing = await api(b, 'GET', `/v1/profile/${nobody}?timeoutMs=3000`)
    t.equal(missing.status, 404)
    t.equal(codeOf(missing), 'MHC_ERR_NOT_FOUND')
  })

  t.test('a peer that answers with a record of a key not asked for, or a forged one, is not believed', async t => {
    const [h, i] = await Promise.all([startInProcessNode(), startInProcessNode()])
    t.teardown(async () => { await Promise.all([h.destroy(), i.destroy()]) })
    const wanted = randomSigner()
    const other = randomSigner()
    const otherRecord = await sealProfile(profile({ name: 'Not asked for' }), other)
    const forged = encodeEnvelope({ ...decodeEnvelope(otherRecord), publicKey: wanted.publicKey })
    // H answers every request with a wrong record: another key's (valid) or a forgery under the key asked for.
    let answer = otherRecord
    await libp2p(h).unhandle(PROFILE_PROTOCOL)
    await libp2p(h).handle(PROFILE_PROTOCOL, async stream => { await serveProfiles(stream, async () => answer, { signal: AbortSignal.timeout(5000) }).catch(() => {}) })
    await connect(i, h)
    for (const [what, bytes] of [['another key\'s record', otherRecord], ['a forgery', forged]] as const) {
      answer = bytes
      const res = await api(i, 'GET', `/v1/profile/${toBase64url(wanted.publicKey)}?timeoutMs=3000`)
      t.equal(codeOf(res), 'MHC_ERR_NOT_FOUND', `${what}: not found`)
    }
    t.equal(i.profiles.nameOf(toBase64url(wanted.publicKey)), undefined, 'nothing kept for the key asked for')
    t.equal(i.profiles.nameOf(toBase64url(other.publicKey)), undefined, 'nor for the key not asked for')
    // H now takes the request and never answers: the caller's signal, aborted midway, ends the wait.
    let onAsked = (): void => {}
    const asked = new Promise<void>(resolve => { onAsked = resolve })
    await libp2p(h).unhandle(PROFILE_PROTOCOL)
    await libp2p(h).handle(PROFILE_PROTOCOL, async stream => { onAsked(); await new Promise(resolve => { stream.addEventListener('close', resolve) }) })
    const caller = new AbortController()
    const pending = i.profiles.get(toBase64url(wanted.publicKey), { signal: caller.signal, timeoutMs: 600_000 })
    await asked
    caller.abort()
    await t.rejects(pending, { name: 'AbortError' }, 'aborted midway, while a peer keeps it waiting')
  })

  t.test('chat lines and the gateway\'s events carry the author\'s profile name once it is known', async t => {
    for (const n of [a, b, c]) await n.social.join(MANIFEST)
    await meshed([[a, b], [c, b]], socialTopic(MANIFEST))
    const events = new AbortController()
    t.teardown(() => { events.abort() })
    const stream = sse(`${c.gateway?.url}/api/v1/videos/${MANIFEST}/chat/events`, {}, events.signal)
    const fromA = await a.social.send(MANIFEST, { kind: 'chat', name: 'ada', text: 'hello' })
    const fromB = await b.social.send(MANIFEST, { kind: 'chat', name: 'bo', text: 'no profile here' })
    const got = new Map<string, SocialEvent>()
    while (!(got.has(fromA.id) && got.has(fromB.id))) {
      const next = await stream.next()
      if (next.done === true) break
      if (next.value.event === 'chat') { const ev = JSON.parse(next.value.data) as SocialEvent; got.set(ev.id, ev) }
    }
    t.match(got.get(fromA.id), { name: 'ada', profileName: 'Ada Lovelace' }, 'the SSE event names A by its profile')
    t.notOk('profileName' in (got.get(fromB.id) ?? {}), 'an author without a profile has no profileName')
    const lines = (await api(c, 'GET', `/v1/social/${MANIFEST}/messages`)).body.trim().split('\n').map(l => JSON.parse(l) as ChatLine)
    const line = lines.find(l => l.id === fromA.id)
    t.match(line, { name: 'ada', profileName: 'Ada Lovelace' })
    t.match(show(line as ChatLine), /^\d\d:\d\d:\d\d {2}Ada Lovelace \([\w-]{8}\) {2}hello$/, 'the CLI prints the profile name')
    t.match(show(lines.find(l => l.id === fromB.id) as ChatLine), / {2}bo \(/, 'and the message\'s own name otherwise')
  })

  t.test('the cache is bounded (least recently seen go first, never the node\'s own) and survives a restart', async t => {
    const g = await startInProcessNode({ config: { profileCacheSize: 3 } })
    let again: MhcNode | undefined
    t.teardown(async () => { await again?.stop(); await g.destroy() })
    await g.profiles.set({ name: 'Gee' })
    await connect(g, b)
    await meshed([[g, b]])
    const keys: string[] = []
    // A relays records signed by fresh keys (E, graylisted by B above, is not heard for a while).
    const send = async (i: number): Promise<void> => {
      const signer = randomSigner()
      keys.push(toBase64url(signer.publicKey))
      await libp2p(a).services.pubsub.publish(PROFILE_TOPIC, await sealProfile(profile({ name: `K${i}` }), signer))
      await eventually(() => g.profiles.nameOf(keys[i] ?? '') === `K${i}`, { what: `K${i} on G` })
    }
    // One at a time, so the order G sees them in is known.
    for (let i = 0; i < 4; i++) await send(i)
    const names = (n: MhcNode): Array<string | undefined> => [keyOf(g), ...keys].map(k => n.profiles.nameOf(k))
    t.same(names(g), ['Gee', undefined, undefined, 'K2', 'K3'], 'its own and the two seen last')
    again = await restartAlone(g)
    t.equal(libp2p(again).getConnections().length, 0, 'the restarted node is connected to nobody')
    t.same(names(again), ['Gee', undefined, undefined, 'K2', 'K3'], 'the same after a restart')
    // The restarted G fetches K4 from H, a new node that holds only K4. (Not from B: B's gossip
    // cache may still offer K0–K3 to a peer that joins, and a restarted G has forgotten it saw them.)
    const k4 = randomSigner()
    keys.push(toBase64url(k4.publicKey))
    const h = await startInProcessNode()
    t.teardown(async () => h.destroy())
    await h.profiles.publishSigned(await sealProfile(profile({ name: 'K4' }), k4))
    await connect(again, h)
    t.equal((await again.profiles.get(keys[4] ?? '')).payload.name, 'K4')
    t.same(names(again), ['Gee', undefined, undefined, undefined, 'K3', 'K4'], 'the order survived the restart: K2 went first')
  })
})
