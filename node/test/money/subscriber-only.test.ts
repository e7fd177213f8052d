/**
 * Subscriber-only videos on a real node (docs/specs/content-keys.md):
 * `audience: 'subscribers'` encrypts every media segment with AES-128 under a
 * fresh key kept in the datastore; the playlists name the key by its id; the
 * gateway serves the key only for a fresh, unreplayed proof by a key that
 * holds a subscription to the creator. ffmpeg plays the video with the key
 * and not without it.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ENTITLEMENT_HEADER } from '@mhc/gateway'
import {
  type EntitlementPayload, KEY_PROOF_HEADER, type KeyRequestPayload, openManifest, type Signer, sealEntitlement, sealKeyRequest, toBase64url
} from '@mhc/protocols'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { ffmpeg, makeClip, tempDir } from '../helpers/media.js'
import { randomSigner } from '../helpers/social.js'

const DAY = 86_400_000
const keyOf = (s: Signer): string => toBase64url(s.publicKey)
let n = 0
const newId = (): string => `subs${String(++n).padStart(18, '0')}`

t.test('a subscriber-only video: encrypted segments, and a key only for a fresh proof by a subscriber', async t => {
  const work = await tempDir(t)
  const bridge = randomSigner()
  const node = await startInProcessNode({ gateway: true, config: { bridgeKeys: [keyOf(bridge)] } })
  t.teardown(async () => node.destroy())
  const gw = node.gateway?.url ?? ''
  const creator = node.id().publicKey
  const clip = await makeClip(join(work, 'clip.mp4'), { seconds: 8 })

  const published = await node.publisher.publish({ path: clip, title: 'For fans', audience: 'subscribers' })
  t.equal(published.audience, 'subscribers', 'the result says it')
  const { manifest } = await openManifest(new Uint8Array(await (await fetch(`${gw}/ipfs/${published.manifest}?format=raw`)).arrayBuffer()))
  t.equal(manifest.audience, 'subscribers', 'the manifest records the audience')
  t.match(manifest.keyId, /^[A-Za-z0-9_-]{22}$/, 'and the key id')
  const keyId = manifest.keyId ?? ''
  t.equal((await node.catalogue.get(published.manifest))?.audience, 'subscribers', 'the catalogue shows it')
  const listed = await (await fetch(`${gw}/api/v1/videos`)).json() as { items: Array<{ manifest: string, audience?: string }> }
  t.equal(listed.items.find(v => v.manifest === published.manifest)?.audience, 'subscribers', 'so does the gateway\'s video list')

  // The HLS tree as any gateway serves it, copied to disk.
  const rendition = manifest.renditions[0]
  if (rendition === undefined) throw new Error('no rendition')
  const dir = join(work, 'hls')
  const base = `${gw}/ipfs/${manifest.root}`
  const playlist = await (await fetch(`${base}/${rendition.playlist}`)).text()
  const keyLines = playlist.split('\n').filter(l => l.startsWith('#EXT-X-KEY:'))
  const segments = playlist.split('\n').filter(l => l.endsWith('.m4s'))
  t.ok(segments.length >= 2, 'several segments')
  t.equal(keyLines.length, segments.length, 'one EXT-X-KEY per segment')
  for (const l of keyLines) t.match(l, new RegExp(`^#EXT-X-KEY:METHOD=AES-128,URI="/api/v1/keys/${keyId}",IV=0x[0-9a-f]{32}$`))
  t.equal(new Set(keyLines).size, keyLines.length, 'each segment has its own IV')
  t.ok(playlist.indexOf('#EXT-X-MAP') < playlist.indexOf('#EXT-X-KEY'), 'the init segment precedes every key: it stays clear')
  const rdir = join(dir, rendition.playlist.split('/')[0] ?? '')
  await mkdir(rdir, { recursive: true })
  const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1] ?? 'init.mp4'
  for (const f of [map, ...segments]) {
    const res = await fetch(`${base}/${rendition.playlist.split('/')[0] ?? ''}/${f}`)
    t.equal(res.status, 200, `${f} is served like any block`)
    await writeFile(join(rdir, f), Buffer.from(await res.arrayBuffer()))
  }
  const local = async (keyFile: string): Promise<string> => {
    const p = join(rdir, `with-${keyFile}.m3u8`)
    await writeFile(p, playlist.replaceAll(`/api/v1/keys/${keyId}`, join(dir, keyFile)))
    return p
  }
  const decodes = async (keyFile: string): Promise<boolean> => await ffmpeg(['-allowed_extensions', 'ALL', '-i', await local(keyFile), '-map', '0:v', '-f', 'null', '-']).then(() => true, () => false)
  // A clear segment is an fMP4 fragment (a `styp` or `moof` box at byte 4); an encrypted one is not.
  for (const s of segments) {
    const bytes = await readFile(join(rdir, s))
    t.notOk(['styp', 'moof'].includes(bytes.subarray(4, 8).toString('latin1')), `${s} is not a clear fragment`)
    t.equal(bytes.byteLength % 16, 0, `${s} is whole AES blocks`)
  }
  await writeFile(join(dir, 'wrong.key'), randomBytes(16))
  t.notOk(await decodes('wrong.key'), 'without the key, ffmpeg cannot decode the video')

  const ada = randomSigner()
  const now = Date.now()
  const entitlement = async (patch: Partial<EntitlementPayload> = {}, signer = bridge): Promise<string> => toBase64url(await sealEntitlement({
    v: 1, id: newId(), kind: 'subscription', subject: keyOf(ada), creator, tier: 'FAN', notBefore: now - DAY, notAfter: now + 30 * DAY, ref: 'stripe:sub_test', ...patch
  }, signer))
  const tier = async (): Promise<string> => toBase64url(await sealEntitlement({
    v: 1, id: newId(), kind: 'tier', subject: keyOf(ada), tier: 'STUDIO', notBefore: now - DAY, notAfter: now + 30 * DAY, ref: 'stripe:sub_tier'
  }, bridge))
  const proof = async (patch: Partial<KeyRequestPayload> = {}, signer = ada): Promise<string> => toBase64url(await sealKeyRequest({
    v: 1, keyId, ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin: gw, ...patch
  }, signer))
  const ask = async (headers: Record<string, string>, id = keyId): Promise<{ status: number, code?: string, body: Buffer }> => {
    const res = await fetch(`${gw}/api/v1/keys/${id}`, { headers })
    const body = Buffer.from(await res.arrayBuffer())
    return { status: res.status, body, ...(res.status >= 400 ? { code: (JSON.parse(body.toString()) as { code: string }).code } : {}) }
  }

  await t.test('refusals, each with its typed error', async t => {
    const good = await entitlement()
    const cases: Array<[string, Record<string, string>, number, string, string?]> = [
      ['no proof', { [ENTITLEMENT_HEADER]: good }, 401, 'MHC_ERR_CONTENT_KEY_PROOF_MISSING'],
      ['a stale proof', { [KEY_PROOF_HEADER]: await proof({ ts: Date.now() - 5 * 60_000 }), [ENTITLEMENT_HEADER]: good }, 401, 'MHC_ERR_CONTENT_KEY_PROOF_STALE'],
      ['a proof from the future', { [KEY_PROOF_HEADER]: await proof({ ts: Date.now() + 5 * 60_000 }), [ENTITLEMENT_HEADER]: good }, 401, 'MHC_ERR_CONTENT_KEY_PROOF_STALE'],
      ['a proof for another key id', { [KEY_PROOF_HEADER]: await proof({ keyId: toBase64url(randomBytes(16)) }), [ENTITLEMENT_HEADER]: good }, 403, 'MHC_ERR_CONTENT_KEY_PROOF_INVALID'],
      ['a proof made for another gateway', { [KEY_PROOF_HEADER]: await proof({ origin: 'https://elsewhere.example' }), [ENTITLEMENT_HEADER]: good }, 403, 'MHC_ERR_CONTENT_KEY_PROOF_INVALID'],
      ['a tampered proof', { [KEY_PROOF_HEADER]: (await proof()).replace(/.$/, c => c === 'A' ? 'B' : 'A'), [ENTITLEMENT_HEADER]: good }, 403, 'MHC_ERR_CONTENT_KEY_PROOF_INVALID'],
      ['a proof by another key than the subscriber\'s', { [KEY_PROOF_HEADER]: await proof({}, randomSigner()), [ENTITLEMENT_HEADER]: good }, 403, 'MHC_ERR_ENTITLEMENT_SUBJECT'],
      ['no entitlement', { [KEY_PROOF_HEADER]: await proof() }, 402, 'MHC_ERR_ENTITLEMENT_REQUIRED'],
      ['an expired entitlement', { [KEY_PROOF_HEADER]: await proof(), [ENTITLEMENT_HEADER]: await entitlement({ notBefore: now - 60 * DAY, notAfter: now - 30 * DAY }) }, 403, 'MHC_ERR_ENTITLEMENT_EXPIRED'],
      ['a subscription to another creator', { [KEY_PROOF_HEADER]: await proof(), [ENTITLEMENT_HEADER]: await entitlement({ creator: keyOf(randomSigner()) }) }, 403, 'MHC_ERR_ENTITLEMENT_CREATOR'],
      ['an entitlement by an unknown bridge', { [KEY_PROOF_HEADER]: await proof(), [ENTITLEMENT_HEADER]: await entitlement({}, randomSigner()) }, 403, 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY'],
      ['a tier entitlement is for no creator', { [KEY_PROOF_HEADER]: await proof(), [ENTITLEMENT_HEADER]: await tier() }, 403, 'MHC_ERR_ENTITLEMENT_CREATOR']
    ]
    for (const [what, headers, status, code] of cases) {
      const res = await ask(headers)
      t.equal(res.status, status, what)
      t.equal(res.code, code, what)
    }
    const unknown = toBase64url(randomBytes(16))
    const res = await ask({ [KEY_PROOF_HEADER]: await proof({ keyId: unknown }), [ENTITLEMENT_HEADER]: good }, unknown)
    t.same([res.status, res.code], [404, 'MHC_ERR_CONTENT_KEY_UNKNOWN'], 'a key id this node keeps no key for')
    t.equal((await fetch(`${gw}/api/v1/keys/not-a-key-id`)).status, 400, 'a malformed id')
  })

  await t.test('a subscriber gets the key, once per proof, and it plays the video', async t => {
    const headers = { [KEY_PROOF_HEADER]: await proof(), [ENTITLEMENT_HEADER]: await entitlement() }
    const res = await ask(headers)
    t.equal(res.status, 200)
    t.equal(res.body.byteLength, 16, 'the 16 key bytes')
    const replay = await ask(headers)
    t.same([replay.status, replay.code], [403, 'MHC_ERR_CONTENT_KEY_PROOF_REPLAYED'], 'the same proof again is refused')
    await writeFile(join(dir, 'right.key'), res.body)
    t.ok(await decodes('right.key'), 'ffmpeg decodes the whole playlist with the key')
  })

  await t.test('a subscription the node keeps counts without being presented', async t => {
    await node.entitlements.add(Buffer.from(await entitlement(), 'base64url'))
    const res = await ask({ [KEY_PROOF_HEADER]: await proof() })
    t.equal(res.status, 200)
  })
})
