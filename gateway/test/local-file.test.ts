import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { pino } from 'pino'
import t from 'tap'
import type { CID } from 'multiformats/cid'
import { buildApp } from '../src/index.js'
import { localLeaves } from '../src/local-file.js'

// A real file-per-block store, as the node's (blockstore-fs with its default sharding).
t.test('local files are served from their block files', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'mhc-gw-files-'))
  t.teardown(async () => rm(dir, { recursive: true, force: true }))
  const store = new FsBlockstore(dir)
  await store.open()
  const sharding = new NextToLast()
  const files = { pathOf: (cid: CID) => { const { dir: d, file } = sharding.encode(cid); return join(dir, d, file) } }
  const fs = unixfs({ blockstore: store })
  const add = async (bytes: Uint8Array, chunk: number, maxChildren = 1024): Promise<CID> => {
    let cid: CID | undefined
    for await (const e of fs.addAll([{ content: bytes }], { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: chunk }), layout: balanced({ maxChildrenPerNode: maxChildren }) })) cid = e.cid
    if (cid === undefined) throw new Error('no cid')
    return cid
  }
  const one = randomBytes(700)
  const many = randomBytes(10 * 1000 + 37)
  const deep = randomBytes(5000)
  const cOne = await add(one, 1024)
  const cMany = await add(many, 1000)
  const cDeep = await add(deep, 100, 4) // three levels of dag-pb over raw leaves
  const { app } = await buildApp({ blockstore: store, blockFiles: files, catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 1000 })
  const { app: plain } = await buildApp({ blockstore: store, catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 1000 })
  t.teardown(async () => { await Promise.all([app.close(), plain.close()]) })

  t.test('finds every raw leaf of one-block, multi-leaf and multi-level files', async t => {
    t.same((await localLeaves(cOne, one.byteLength, store, files))?.map(l => l.length), [700])
    t.equal((await localLeaves(cMany, many.byteLength, store, files))?.length, 11)
    t.equal((await localLeaves(cDeep, deep.byteLength, store, files))?.length, 50)
    t.equal(await localLeaves(cMany, many.byteLength + 1, store, files), undefined, 'a size that does not add up is not trusted')
  })

  t.test('answers byte for byte what the exporter answers, with the same headers, whole and in ranges', async t => {
    const ranges = [undefined, 'bytes=0-0', 'bytes=999-1000', 'bytes=1500-8999', 'bytes=-37', 'bytes=10000-', 'bytes=0-99999', 'bytes=99999-']
    for (const [cid, bytes] of [[cOne, one], [cMany, many], [cDeep, deep]] as const) {
      for (const range of ranges) {
        const req = { url: `/ipfs/${cid}`, headers: range === undefined ? {} : { range } }
        const [fast, slow] = await Promise.all([app.inject(req), plain.inject(req)])
        const what = `${bytes.byteLength} B ${range ?? 'whole'}`
        t.equal(fast.statusCode, slow.statusCode, `${what}: status`)
        t.same(fast.rawPayload, slow.rawPayload, `${what}: bytes`)
        for (const h of ['etag', 'content-length', 'content-range', 'content-type', 'cache-control', 'accept-ranges']) t.equal(fast.headers[h], slow.headers[h], `${what}: ${h}`)
      }
    }
    t.same((await app.inject({ url: `/ipfs/${cMany}` })).rawPayload, many)
  })

  t.test('a leaf missing from disk falls back to the exporter (which asks peers) rather than serving less', async t => {
    const partial = randomBytes(3000)
    const cid = await add(partial, 1000)
    const leaves = await localLeaves(cid, partial.byteLength, store, files)
    if (leaves?.[1] === undefined) throw new Error('expected three leaves')
    await unlink(leaves[1].path)
    t.equal(await localLeaves(cid, partial.byteLength, store, files), undefined)
    // The exporter path ends a body early when a block is missing (clients see a failed transfer), never a short clean 200.
    const outcome = await app.inject({ url: `/ipfs/${cid}` }).then(r => r.statusCode === 200 && r.rawPayload.byteLength === partial.byteLength ? 'complete' : 'incomplete', () => 'aborted')
    t.not(outcome, 'complete', `outcome: ${outcome}`)
    t.same((await app.inject({ url: `/ipfs/${cid}`, headers: { range: 'bytes=0-999' } }).catch(() => undefined))?.rawPayload, partial.subarray(0, 1000), 'the bytes before the missing leaf are still served')
  })
})
