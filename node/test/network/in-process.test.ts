import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { blockBytes } from '@mhc/gateway'
import { type AddResult, openManifest } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { CID } from 'multiformats/cid'
import t from 'tap'
import { getToPath } from '../../src/content/index.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { makeClip } from '../helpers/media.js'
import { treeHashes } from '../helpers/tree.js'

async function connect (from: InProcessNode, to: InProcessNode): Promise<void> {
  const addr = to.p2p.helia.libp2p.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('no listen address')
  await from.p2p.helia.libp2p.dial(addr, { signal: AbortSignal.timeout(10_000) })
  // Gossipsub and the DHT learn the peer after identify; wait for both sides' gossipsub to see it.
  await eventually(() => from.p2p.helia.libp2p.services.pubsub.getPeers().some(p => p.equals(to.p2p.helia.libp2p.peerId)), { what: 'gossipsub peer' })
}

async function providersOf (node: InProcessNode, cid: CID, ms = 3000): Promise<string[]> {
  const found = new Set<string>()
  try {
    for await (const p of node.p2p.helia.libp2p.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(ms) })) found.add(p.id.toString())
  } catch { /* the deadline ends the walk */ }
  return [...found]
}

async function addThroughApi (node: InProcessNode, file: string): Promise<AddResult> {
  const token = (await readFile(node.repo.paths.token, 'utf8')).trim()
  const res = await node.api.app.inject({ method: 'POST', url: '/v1/add', headers: { authorization: `Bearer ${token}` }, payload: { path: file } })
  if (res.statusCode !== 200) throw new Error(res.payload)
  return res.json<AddResult>()
}

t.test('two whole nodes in one process', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-two-'))
  const a = await startInProcessNode()
  const b = await startInProcessNode()
  t.teardown(async () => {
    await Promise.all([a.destroy(), b.destroy()])
    await rm(work, { recursive: true, force: true })
  })
  t.not(a.id().peerId, b.id().peerId, 'each has its own identity')
  await connect(b, a)

  t.test('a video published on one is fetched, verified and heard on the other', async t => {
    const clip = await makeClip(join(work, 'clip.mp4'), { seconds: 2 })
    const published = await a.publisher.publish({ path: clip, title: 'Across' })

    const heard = await eventually(() => b.announcements.list().find(h => h.manifest === published.manifest), { what: 'announcement on B' })
    t.equal(heard.creator, a.id().publicKey, 'the announcement is signed by A')

    const manifestCid = CID.parse(published.manifest)
    const verified = await openManifest(await blockBytes(b.p2p.helia.blockstore, manifestCid, { signal: AbortSignal.timeout(10_000) }), manifestCid)
    t.equal(verified.manifest.root, published.root, 'B verified the manifest it fetched')

    const content = (n: InProcessNode) => ({ unixfs: unixfs(n.p2p.helia), blockstore: n.p2p.helia.blockstore, pins: n.p2p.helia.pins })
    const onA = join(work, 'on-a')
    const onB = join(work, 'on-b')
    await getToPath(content(a), published.root, onA)
    const got = await getToPath(content(b), published.root, onB, { timeoutMs: 20_000 })
    t.equal(got.type, 'directory')
    t.same(await treeHashes(onB), await treeHashes(onA), 'B holds the same HLS tree, byte for byte')
    t.notOk(await a.catalogue.has(published.root), 'catalogues are per node')
    t.ok(await a.catalogue.has(published.manifest))
    t.notOk(await b.catalogue.has(published.manifest))
  })
})

t.test('provider records: `add` provides, and a running node renews its records before they expire', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-reprovide-'))
  // Records live 3 s and are renewed 1 s after providing (in production: 48 h and 22 h).
  const config = { providerValidityMs: 3000, reprovideAfterMs: 1000, provideTimeoutMs: 5000 }
  const [a, b, c] = await Promise.all([startInProcessNode({ config }), startInProcessNode({ config }), startInProcessNode({ config })])
  t.teardown(async () => {
    await Promise.all([a.destroy(), b.destroy(), c.destroy().catch(() => {})])
    await rm(work, { recursive: true, force: true })
  })
  await connect(a, b)
  await connect(c, b)
  const fileA = join(work, 'a.bin')
  const fileC = join(work, 'c.bin')
  await writeFile(fileA, randomBytes(4096))
  await writeFile(fileC, randomBytes(4096))
  const addedA = CID.parse((await addThroughApi(a, fileA)).cid)
  const addedC = CID.parse((await addThroughApi(c, fileC)).cid)

  await eventually(async () => (await providersOf(b, addedA)).includes(a.id().peerId), { what: 'B knows A provides its added file' })
  await eventually(async () => (await providersOf(b, addedC)).includes(c.id().peerId), { what: 'B knows C provides its added file' })

  // C goes away; its record is not renewed and expires. A keeps running and renews.
  await c.destroy()
  await new Promise(resolve => setTimeout(resolve, 2 * config.providerValidityMs + 500))
  t.notOk((await providersOf(b, addedC)).includes(c.id().peerId), 'the record of a node that stopped expired')
  t.ok((await providersOf(b, addedA)).includes(a.id().peerId), 'the record of a running node outlived two expiry periods')
})
