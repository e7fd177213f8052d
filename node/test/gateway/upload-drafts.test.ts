/**
 * Drafts are durable and have a lifetime, on a real node (LevelDB, Helia,
 * OrbitDB, ffmpeg). A browser upload transcoded into a draft survives a
 * restart of its node: the page finds it again by upload id and signs it. A
 * draft nobody signs within `draftTtlHours` is discarded, its tree unpinned,
 * at start or by the sweep, and asking for it is a 410. A node killed while
 * publishing a draft gets the draft back (decision 0016).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fromBase64url, type PublishResult, sealManifest, type UploadDraft } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { CID } from 'multiformats/cid'
import t from 'tap'
import { pinOnce } from '../../src/content/pin.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { register } from '../helpers/accounts.js'
import { makeClip, tempDir } from '../helpers/media.js'
import { sse } from '../helpers/sse.js'
import { browserKey, sealedDraft, tusUpload } from '../helpers/uploads.js'

const HOUR_MS = 3_600_000

/** Events of upload `id` until one of `until` (bounded). */
async function follow (gw: string, headers: Record<string, string>, id: string, until: string[]): Promise<Array<{ event?: string, data: string }>> {
  const seen: Array<{ event?: string, data: string }> = []
  for await (const e of sse(`${gw}/api/v1/uploads/${id}/events`, headers, AbortSignal.timeout(120_000))) {
    seen.push(e)
    if (until.includes(e.event ?? '')) break
  }
  return seen
}

async function call (url: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number, body: Record<string, unknown> }> {
  const res = await fetch(url, body === undefined
    ? { headers }
    : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}

/** A node with a gateway, its repo kept across restarts (removed at the end), and an account `ada` with the creator role. */
async function setUp (t: { teardown: (fn: () => Promise<void>) => void }) {
  let node: InProcessNode = await startInProcessNode({ gateway: true })
  const repo = node.repo.paths.root
  t.teardown(async () => {
    await node.destroy()
    await rm(dirname(repo), { recursive: true, force: true })
  })
  const ada = browserKey()
  const { headers } = await register(node.gateway?.url ?? '', 'ada', ada)
  await node.roles.grant(ada.key, 'creator')
  return {
    ada,
    headers,
    repo,
    get node () { return node },
    gw: () => node.gateway?.url ?? '',
    /** Stop the node, change its config file, start it again on the same repo. */
    async restart (config: Record<string, unknown> = {}): Promise<void> {
      await node.stop()
      const file = join(repo, 'config.json')
      await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')) as object, ...config }))
      node = await startInProcessNode({ gateway: true, repo })
    },
    /** Upload `clip` and wait for its draft. */
    async draft (clip: Buffer, title: string): Promise<UploadDraft> {
      const id = await tusUpload(node.gateway?.url ?? '', headers, clip, { filename: 'clip.mp4', filetype: 'video/mp4', title })
      const events = await follow(node.gateway?.url ?? '', headers, id, ['draft', 'failed'])
      if (events.at(-1)?.event !== 'draft') throw new Error(`no draft: ${JSON.stringify(events.at(-1))}`)
      return JSON.parse(events.at(-1)?.data ?? '{}') as UploadDraft
    }
  }
}

t.test('a draft survives a restart of its node, and is signed and published after it', async t => {
  const work = await tempDir(t)
  const s = await setUp(t)
  const clip = await readFile(await makeClip(join(work, 'clip.mp4'), { seconds: 2 }))
  const draft = await s.draft(clip, 'Signed after a restart')
  const root = CID.parse(draft.manifest.root)
  t.ok(Date.parse(draft.expires) > Date.now() + 71 * HOUR_MS, `the draft says when it expires (${draft.expires}): 72 h by default`)

  await s.restart()
  t.ok(await s.node.p2p.helia.pins.isPinned(root), 'the draft\'s tree is still pinned after the restart')
  const staged = await readdir(s.node.repo.paths.staging)
  t.equal(staged.length, 1, 'its job is in the journal')
  t.same(await readdir(join(s.node.repo.paths.staging, staged[0] ?? '')), ['job.json'], 'without a staging copy of the tree: the blocks are pinned')

  const again = await call(`${s.gw()}/api/v1/uploads/${draft.upload}/draft`, s.headers)
  t.equal(again.status, 200, 'the page asks for its upload by id and gets the draft')
  t.same(again.body, draft, 'the same draft, byte for byte, with the same expiry')
  const events = await follow(s.gw(), s.headers, draft.upload, ['draft', 'failed'])
  t.same(events.map(e => e.event), ['draft'], 'the event stream of the upload starts at the draft')

  const stranger = browserKey()
  const { headers: bob } = await register(s.gw(), 'bob', stranger)
  await s.node.roles.grant(stranger.key, 'creator')
  const theirs = await call(`${s.gw()}/api/v1/uploads/${draft.upload}/draft`, bob)
  t.equal(theirs.status, 404, 'another account does not get it: its keys do not include the draft\'s creator')
  t.equal(theirs.body.code, 'MHC_ERR_NOT_FOUND')

  const res = await call(`${s.gw()}/api/v1/uploads/${draft.upload}/publish`, s.headers, { envelope: await sealedDraft(fromBase64url(draft.payload), s.ada) })
  t.equal(res.status, 200, JSON.stringify(res.body))
  const published = res.body as unknown as PublishResult
  t.equal(published.root, draft.manifest.root)
  t.match(await s.node.catalogue.list(), [{ manifest: published.manifest, creator: s.ada.key }], 'in the catalogue, with its creator')
  t.same(await readdir(s.node.repo.paths.staging), [], 'the journal is empty')
  t.ok(await s.node.p2p.helia.pins.isPinned(root), 'and the tree stays pinned, now as a published video')
})

t.test('a draft nobody signs expires: discarded, its tree unpinned, refused with 410', async t => {
  const work = await tempDir(t)
  const s = await setUp(t)
  const clip = await readFile(await makeClip(join(work, 'clip.mp4'), { seconds: 2 }))
  const draft = await s.draft(clip, 'Never signed')
  const root = CID.parse(draft.manifest.root)
  t.ok(await s.node.p2p.helia.pins.isPinned(root), 'pinned while it waits')

  t.test('at start: the operator shortened draftTtlHours while the node was down', async t => {
    await s.restart({ draftTtlHours: 0.0005 })
    t.notOk(await s.node.p2p.helia.pins.isPinned(root), 'start() unpinned the expired draft\'s tree')
    t.same(await readdir(s.node.repo.paths.staging), [], 'and removed its job')
    const get = await call(`${s.gw()}/api/v1/uploads/${draft.upload}/draft`, s.headers)
    t.equal(get.status, 410, 'the page asking for it is told it expired')
    t.equal(get.body.code, 'MHC_ERR_DRAFT_EXPIRED')
    const post = await call(`${s.gw()}/api/v1/uploads/${draft.upload}/publish`, s.headers, { envelope: await sealedDraft(fromBase64url(draft.payload), s.ada) })
    t.equal(post.status, 410, 'and a signed manifest for it is refused')
    t.equal(post.body.code, 'MHC_ERR_DRAFT_EXPIRED')
    t.same(await s.node.catalogue.list(), [], 'nothing was published')
  })

  t.test('while running: the sweep discards a draft nobody asks about', async t => {
    // 1.8 s of lifetime; another clip, so another tree.
    const other = await readFile(await makeClip(join(work, 'other.mp4'), { seconds: 3 }))
    const late = await s.draft(other, 'Left waiting')
    const lateRoot = CID.parse(late.manifest.root)
    t.not(late.manifest.root, draft.manifest.root)
    await eventually(async () => !await s.node.p2p.helia.pins.isPinned(lateRoot), { ms: 30_000, what: 'the sweep to unpin the expired draft' })
    t.pass('the sweep unpinned its tree')
    await eventually(async () => (await readdir(s.node.repo.paths.staging)).length === 0, { ms: 10_000, what: 'its job to be removed' })
    const events = follow(s.gw(), s.headers, late.upload, ['failed', 'published'])
    const get = await call(`${s.gw()}/api/v1/uploads/${late.upload}/draft`, s.headers)
    t.equal(get.status, 410)
    t.equal(get.body.code, 'MHC_ERR_DRAFT_EXPIRED')
    const last = (await events).at(-1)
    t.equal(last?.event, 'failed', 'the upload\'s event stream ends with the expiry')
    t.match(JSON.parse(last?.data ?? '{}'), { code: 'MHC_ERR_DRAFT_EXPIRED', status: 410 })
  })
})

t.test('a node killed while publishing a draft restores the draft; an unreadable draft record is undone', async t => {
  const work = await tempDir(t)
  const s = await setUp(t)
  const clip = await makeClip(join(work, 'clip.mp4'), { seconds: 2 })
  const ada = browserKey()
  const draft = await s.node.publisher.draft({ id: 'a'.repeat(32), path: clip, creator: ada.key, title: 'Interrupted' })
  const root = CID.parse(draft.manifest.root)
  // What publishDraft leaves when killed before the catalogue entry: the manifest block stored, pinned and recorded.
  const sealed = await sealManifest(draft.manifest, ada)
  await s.node.p2p.helia.blockstore.put(sealed.cid, sealed.bytes)
  await pinOnce(s.node.p2p.helia.pins, sealed.cid)
  const staging = s.node.repo.paths.staging
  const [job] = await readdir(staging)
  const record = join(staging, job ?? '', 'job.json')
  await s.node.stop()
  await writeFile(record, JSON.stringify({ ...JSON.parse(await readFile(record, 'utf8')) as object, manifest: sealed.cid.toString() }))
  // A job whose draft record does not read back as a manifest (a hand-edited or foreign file).
  await mkdir(join(staging, 'broken'), { recursive: true })
  await writeFile(join(staging, 'broken', 'job.json'), JSON.stringify({ id: 'broken', started: '', draft: { id: 'b'.repeat(32), ready: new Date().toISOString(), payload: 'bm90IGEgbWFuaWZlc3Q' } }))

  await s.restart()
  t.notOk(await s.node.p2p.helia.pins.isPinned(sealed.cid), 'the half-published manifest is unpinned: it never reached the catalogue')
  t.ok(await s.node.p2p.helia.pins.isPinned(root), 'the draft\'s tree stays pinned')
  t.same(await readdir(staging), [job], 'the broken job is removed, the draft\'s kept')
  t.equal(await s.node.publisher.getDraft('b'.repeat(32)), undefined, 'the broken record is no draft')
  const restored = await s.node.publisher.getDraft(draft.id)
  t.same(restored?.payload, draft.payload, 'the draft is back, the same bytes to sign')
  const published = await s.node.publisher.publishDraft(draft.id, sealed.bytes)
  t.equal(published.manifest, sealed.cid.toString(), 'and the same signature publishes it')
  t.match(await s.node.catalogue.get(published.manifest), { creator: ada.key })
  await t.rejects(s.node.publisher.publishDraft(draft.id, sealed.bytes), { code: 'MHC_ERR_UPLOAD_NOT_READY' }, 'once')
})
