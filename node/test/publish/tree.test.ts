import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { globSource, unixfs } from '@helia/unixfs'
import { MemoryBlockstore } from 'blockstore-core/memory'
import type { CID } from 'multiformats/cid'
import t from 'tap'
import { IMPORT_OPTIONS } from '../../src/content/import-options.js'
import { buildTree, type Imported, importFile } from '../../src/publish/tree.js'

/** What `addAll(globSource(dir))` would make: the root the tree builder must match. */
async function importerRoot (dir: string): Promise<CID | undefined> {
  const fs = unixfs({ blockstore: new MemoryBlockstore() })
  let root: CID | undefined
  for await (const e of fs.addAll(globSource(dir, '**/*'), { ...IMPORT_OPTIONS, wrapWithDirectory: true })) root = e.cid
  return root
}

/** An HLS-shaped tree: a master playlist, a poster, two renditions with an init segment and several segments, one over a leaf. */
async function hlsTree (t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mhc-tree-'))
  t.teardown(async () => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'master.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n')
  await writeFile(join(dir, 'poster.jpg'), Buffer.alloc(3000, 7))
  for (const [r, n] of [['360p', 3], ['720p', 4]] as const) {
    await mkdir(join(dir, r))
    await writeFile(join(dir, r, 'index.m3u8'), `#EXTM3U\n# ${r}\n`)
    await writeFile(join(dir, r, 'init_0.mp4'), Buffer.alloc(800, 1))
    for (let i = 0; i < n; i++) await writeFile(join(dir, r, `seg_${String(i).padStart(3, '0')}.m4s`), Buffer.alloc(i === 1 ? 1024 * 1024 + 17 : 5000 + i, i))
  }
  return dir
}

t.test('the publish tree builder', async t => {
  t.test('makes the same root as the importer when nothing was imported before', async t => {
    const dir = await hlsTree(t)
    const fs = unixfs({ blockstore: new MemoryBlockstore() })
    const store = new MemoryBlockstore()
    const root = await buildTree({ unixfs: fs, blockstore: store }, dir, new Map())
    t.ok(root !== undefined)
    t.equal(root?.toString(), (await importerRoot(dir))?.toString())
  })

  t.test('makes the same root from CIDs the early import already had, without reading those files', async t => {
    const dir = await hlsTree(t)
    const blocks = new MemoryBlockstore()
    const fs = unixfs({ blockstore: blocks })
    const known = new Map<string, Imported>()
    for (const f of ['360p/seg_000.m4s', '360p/seg_001.m4s', '720p/seg_003.m4s']) known.set(f, await importFile({ unixfs: fs }, join(dir, f)))
    // If the builder read these files again it would see different bytes, and the root would differ.
    for (const f of known.keys()) await writeFile(join(dir, f), 'changed after import')
    const expected = await buildTree({ unixfs: unixfs({ blockstore: new MemoryBlockstore() }), blockstore: new MemoryBlockstore() }, dir, new Map())
    const root = await buildTree({ unixfs: fs, blockstore: blocks }, dir, known)
    t.not(root?.toString(), expected?.toString(), 'the known CIDs were used, not the files on disk')
    // Put the original bytes back: now the importer agrees with the root built from known CIDs.
    const fresh = await hlsTree(t)
    t.equal(root?.toString(), (await importerRoot(fresh))?.toString())
  })

  t.test('stores every directory block it makes, so the tree reads back', async t => {
    const dir = await hlsTree(t)
    const blocks = new MemoryBlockstore()
    const fs = unixfs({ blockstore: blocks })
    const root = await buildTree({ unixfs: fs, blockstore: blocks }, dir, new Map())
    if (root === undefined) throw new Error('no root')
    const names = []
    for await (const e of fs.ls(root, { path: '720p' })) names.push(e.name)
    t.same(names, ['index.m3u8', 'init_0.mp4', 'seg_000.m4s', 'seg_001.m4s', 'seg_002.m4s', 'seg_003.m4s'])
    const bytes = []
    for await (const c of fs.cat(root, { path: 'master.m3u8' })) bytes.push(c)
    t.match(Buffer.concat(bytes).toString(), /^#EXTM3U/)
  })

  t.test('leaves a directory the importer would shard to the importer', async t => {
    const dir = await mkdtemp(join(tmpdir(), 'mhc-tree-big-'))
    t.teardown(async () => rm(dir, { recursive: true, force: true }))
    // 6000 links × (12-byte name + 36-byte CID) is over the importer's 256 KiB flat-directory estimate.
    await Promise.all(Array.from({ length: 6000 }, async (_, i) => writeFile(join(dir, `seg_${String(i).padStart(5, '0')}.m4s`), String(i))))
    const root = await buildTree({ unixfs: unixfs({ blockstore: new MemoryBlockstore() }), blockstore: new MemoryBlockstore() }, dir, new Map())
    t.equal(root, undefined)
  })

  t.test('stops when aborted', async t => {
    const dir = await hlsTree(t)
    await t.rejects(buildTree({ unixfs: unixfs({ blockstore: new MemoryBlockstore() }), blockstore: new MemoryBlockstore() }, dir, new Map(), { signal: AbortSignal.abort() }))
  })
})
