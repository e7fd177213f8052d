/**
 * A channel's list (`GET /api/v1/videos?creator=KEY`) on a real node: the
 * publisher writes the creator it verified into each catalogue entry, so the
 * gateway filters on it; an entry written before entries carried a creator
 * is filtered by its verified manifest instead.
 */
import { join } from 'node:path'
import { fromBase64url, sealManifest, type VideoPage } from '@mhc/protocols'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { makeClip, tempDir } from '../helpers/media.js'
import { browserKey, sealedDraft } from '../helpers/uploads.js'

t.test('videos by the node\'s key, by a browser\'s key, and from before creators were catalogued', async t => {
  const work = await tempDir(t)
  const node = await startInProcessNode({ gateway: true })
  t.teardown(async () => { await node.destroy() })
  const gw = node.gateway?.url ?? ''
  const nodeKey = node.id().publicKey
  const clip = await makeClip(join(work, 'clip.mp4'), { seconds: 2 })

  const own = await node.publisher.publish({ path: clip, title: 'By the node' })
  const ada = browserKey()
  const draft = await node.publisher.draft({ id: 'f'.repeat(32), path: clip, creator: ada.key, title: 'By the browser' })
  const signed = await node.publisher.publishDraft(draft.id, fromBase64url(await sealedDraft(draft.payload, ada)))

  // An entry as the publisher wrote them before: no creator. Its manifest, signed by a third key, is in the blockstore.
  const carol = browserKey()
  const old = await sealManifest({ ...draft.manifest, title: 'Before creators', creator: carol.key, splits: [{ recipient: carol.key, bps: 10000 }] }, carol)
  await node.p2p.helia.blockstore.put(old.cid, old.bytes)
  await node.catalogue.put({ manifest: old.cid.toString(), root: draft.manifest.root, title: 'Before creators', duration: draft.manifest.duration, published: '2026-11-01T00:00:00Z' })

  const entries = await node.catalogue.list()
  t.equal((await node.catalogue.get(own.manifest))?.creator, nodeKey, 'the node\'s publish catalogues the node\'s key')
  t.equal((await node.catalogue.get(signed.manifest))?.creator, ada.key, 'a browser-signed draft catalogues the browser\'s key')
  t.equal(entries.find(e => e.manifest === old.cid.toString())?.creator, undefined, 'the old entry has none')

  const list = async (creator: string): Promise<VideoPage> => {
    const res = await fetch(`${gw}/api/v1/videos?creator=${creator}`)
    t.equal(res.status, 200)
    return await res.json() as VideoPage
  }
  for (const [key, title] of [[nodeKey, 'By the node'], [ada.key, 'By the browser'], [carol.key, 'Before creators']]) {
    const page = await list(key ?? '')
    t.same(page.items.map(v => [v.title, v.creator]), [[title, key]], `?creator= lists only ${title}`)
  }
  t.same((await list(browserKey().key)).items, [], 'a key with no videos: none')
  const all = await (await fetch(`${gw}/api/v1/videos`)).json() as VideoPage
  t.same(new Set(all.items.map(v => v.creator)), new Set([nodeKey, ada.key, carol.key]), 'the whole list names each video\'s creator')
  t.ok(all.items.every(v => v.poster !== null), 'and still its poster')
})
