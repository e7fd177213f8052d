/**
 * A browser upload, end to end on a real node (LevelDB, Helia, OrbitDB,
 * ffmpeg): tus upload → transcode into a draft (progress on the event
 * stream) → the browser seals the draft with its own key → the node
 * verifies and publishes it under that key, which is not the node's. And the
 * refusals: a manifest signed by a key not linked to the account, one that
 * differs from the draft, a bad signature, an upload that is not a video.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { blockBytes } from '@mhc/gateway'
import { canonicalJson, fromBase64url, openManifest, type PublishResult, type UploadDraft, type VideoManifest } from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import t from 'tap'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { register } from '../helpers/accounts.js'
import { makeClip } from '../helpers/media.js'
import { sse } from '../helpers/sse.js'
import { browserKey as key, sealedDraft as sealed, tusUpload as upload } from '../helpers/uploads.js'

t.test('a creator publishes from the browser, under the browser\'s key', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-upload-'))
  const node: InProcessNode = await startInProcessNode({ gateway: true })
  t.teardown(async () => {
    await node.destroy()
    await rm(work, { recursive: true, force: true })
  })
  const gw = node.gateway?.url ?? ''
  const ada = key()
  const { headers } = await register(gw, 'ada', ada)
  await node.roles.grant(ada.key, 'creator')
  const clip = await readFile(await makeClip(join(work, 'clip.mp4'), { seconds: 2 }))

  /** Events of upload `id` until `until` (bounded). */
  const follow = async (id: string, until: string[]): Promise<Array<{ event?: string, data: string }>> => {
    const seen: Array<{ event?: string, data: string }> = []
    const signal = AbortSignal.timeout(120_000)
    for await (const e of sse(`${gw}/api/v1/uploads/${id}/events`, headers, signal)) {
      seen.push(e)
      if (until.includes(e.event ?? '')) break
    }
    return seen
  }
  const publish = async (id: string, envelope: string): Promise<{ status: number, body: Record<string, unknown> }> => {
    const res = await fetch(`${gw}/api/v1/uploads/${id}/publish`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ envelope }) })
    return { status: res.status, body: await res.json() as Record<string, unknown> }
  }

  const id = await upload(gw, headers, clip, { filename: 'clip.mp4', filetype: 'video/mp4', title: 'From the browser' })
  let draft: UploadDraft | undefined
  let published: PublishResult | undefined

  t.test('the node transcodes the upload; the page sees the stages of mhc publish, then the draft', async t => {
    const events = await follow(id, ['draft', 'failed'])
    const stages = events.filter(e => e.event === 'progress').map(e => (JSON.parse(e.data) as { type: string }).type)
    t.ok(stages.length > 0, `progress: ${[...new Set(stages)].join(', ')}`)
    t.ok(stages.every(s => ['publish:probe', 'publish:encode', 'publish:import', 'publish:pin'].includes(s)), 'only the stages before signing')
    t.equal(events.at(-1)?.event, 'draft')
    draft = JSON.parse(events.at(-1)?.data ?? '{}') as UploadDraft
    t.equal(draft.manifest.creator, ada.key, 'the draft names the browser\'s key as creator')
    t.not(draft.manifest.creator, node.id().publicKey, 'not the node\'s')
    t.same(draft.manifest.splits, [{ recipient: ada.key, bps: 10000 }])
    t.equal(draft.manifest.title, 'From the browser')
    t.same(fromBase64url(draft.payload), canonicalJson(draft.manifest), 'the payload to sign is the manifest\'s canonical JSON')
    const again = await fetch(`${gw}/api/v1/uploads/${id}/draft`, { headers })
    t.same(await again.json(), draft, 'GET …/draft answers the same draft')
  })

  t.test('a manifest signed by a key not linked to the account: 403, nothing published', async t => {
    const stranger = key()
    const theirs = await publish(id, await sealed({ ...(draft as UploadDraft).manifest, creator: stranger.key, splits: [{ recipient: stranger.key, bps: 10000 }] }, stranger))
    t.equal(theirs.status, 403)
    t.equal(theirs.body.code, 'MHC_ERR_MANIFEST_KEY')
    const forged = await publish(id, await sealed(fromBase64url((draft as UploadDraft).payload), stranger))
    t.equal(forged.status, 422, 'the draft (creator: ada) sealed by another key does not even verify')
    t.equal(forged.body.code, 'MHC_ERR_SIGNATURE_INVALID')
    t.same(await node.catalogue.list(), [], 'the catalogue is still empty')
  })

  t.test('a manifest that differs from the draft: 422', async t => {
    const changed = await publish(id, await sealed({ ...(draft as UploadDraft).manifest, title: 'Something else' }, ada))
    t.equal(changed.status, 422)
    t.equal(changed.body.code, 'MHC_ERR_DRAFT_MISMATCH')
  })

  t.test('the draft sealed by the browser\'s key is published under that key', async t => {
    const events = follow(id, ['published', 'failed'])
    const res = await publish(id, await sealed(fromBase64url((draft as UploadDraft).payload), ada))
    t.equal(res.status, 200, JSON.stringify(res.body))
    const result = res.body as unknown as PublishResult
    published = result
    t.equal(result.root, draft?.manifest.root)
    const entries = await node.catalogue.list()
    t.same(entries.map(e => e.manifest), [result.manifest], 'in the node\'s catalogue')
    const cid = CID.parse(result.manifest)
    const verified = await openManifest(await blockBytes(node.p2p.helia.blockstore, cid), cid)
    t.equal(verified.manifest.creator, ada.key, 'the stored manifest is signed by the browser\'s key')
    const api = await fetch(`${gw}/api/v1/videos/${result.manifest}`)
    t.equal(api.status, 200, 'and the gateway serves it')
    t.match(await api.json(), { manifest: { creator: ada.key } })
    const logged = []
    for await (const e of node.forensics.entries({ type: 'publish' })) logged.push(e)
    t.match(logged, [{ type: 'publish', actor: ada.key, subject: result.manifest, reason: 'From the browser' }], 'the forensic log names the browser\'s key as the one who published')
    const tail = await events
    t.equal(tail.at(-1)?.event, 'published')
    t.ok(tail.some(e => e.event === 'progress' && e.data.includes('publish:catalogue')), 'the publish stages follow on the stream')
    const twice = await publish(id, await sealed(fromBase64url((draft as UploadDraft).payload), ada))
    t.equal(twice.status, 409, 'published once')
    t.equal(twice.body.code, 'MHC_ERR_UPLOAD_NOT_READY')
  })

  t.test('another node\'s gateway shows the same video under the same creator, fetched from the first', async t => {
    const other = await startInProcessNode({ gateway: true })
    t.teardown(async () => { await other.destroy() })
    const addr = node.p2p.helia.libp2p.getMultiaddrs()[0]
    if (addr === undefined || published === undefined) throw new Error('nothing published to fetch')
    await other.p2p.helia.libp2p.dial(addr, { signal: AbortSignal.timeout(10_000) })
    const gw2 = other.gateway?.url ?? ''
    const res = await fetch(`${gw2}/api/v1/videos/${published.manifest}`)
    t.equal(res.status, 200, 'the other gateway verifies the manifest it fetched over bitswap')
    const detail = await res.json() as { manifest: VideoManifest, urls: { master: string } }
    t.equal(detail.manifest.creator, ada.key, 'signed by the browser\'s key, not either node\'s')
    t.not(detail.manifest.creator, other.id().publicKey)
    const master = await fetch(`${gw2}${detail.urls.master}`)
    t.equal(master.status, 200, 'and plays it: the master playlist comes through')
    t.match(await master.text(), /#EXTM3U/)
  })

  t.test('an upload that looks like a video but is not one fails to transcode; there is no draft', async t => {
    const fake = Buffer.concat([Buffer.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]), Buffer.alloc(64 * 1024, 7)])
    const bad = await upload(gw, headers, fake, { filename: 'fake.mp4', filetype: 'video/mp4' })
    const events = await follow(bad, ['draft', 'failed'])
    t.equal(events.at(-1)?.event, 'failed')
    t.match(JSON.parse(events.at(-1)?.data ?? '{}'), { code: 'MHC_ERR_MEDIA_INVALID', status: 422 })
    const res = await fetch(`${gw}/api/v1/uploads/${bad}/draft`, { headers })
    t.equal(res.status, 409)
    t.equal((await res.json() as { code: string }).code, 'MHC_ERR_UPLOAD_NOT_READY')
  })
})
