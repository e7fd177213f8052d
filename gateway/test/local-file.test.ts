import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import type { CID } from 'multiformats/cid'
import { pino } from 'pino'
import t from 'tap'
import { buildApp } from '../src/index.js'
import { localLeaves } from '../src/local/index.js'

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
  // 5 s, not 1: on a loaded machine the exporter side alone can take over a second for a range, and the timeout then cuts a good response.
  const { app } = await buildApp({ blockstore: store, blockFiles: files, catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 5000, cacheBytes: 0 })
  const { app: plain } = await buildApp({ blockstore: store, catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 5000 })
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

  t.test('a cached leaf is served from memory, and the same bytes come back', async t => {
    const { app: small } = await buildApp({ blockstore: store, blockFiles: files, catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 1000, cacheBytes: 64 * 1024 })
    t.teardown(async () => small.close())
    const first = await small.inject({ url: `/ipfs/${cMany}` })
    const leaves = await localLeaves(cMany, many.byteLength, store, files)
    if (leaves?.[0] === undefined) throw new Error('no leaves')
    // Damage the first leaf's file on disk: a response still right proves it came from memory.
    const { writeFile } = await import('node:fs/promises')
    const original = many.subarray(0, 1000)
    await writeFile(leaves[0].path, Buffer.alloc(1000, 0))
    const second = await small.inject({ url: `/ipfs/${cMany}` })
    const ranged = await small.inject({ url: `/ipfs/${cMany}`, headers: { range: 'bytes=10-19' } })
    await writeFile(leaves[0].path, original)
    t.same(first.rawPayload, many)
    t.same(second.rawPayload, many, 'whole body from the cached leaf')
    t.same(ranged.rawPayload, many.subarray(10, 20), 'a range inside a cached leaf')
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

t.test('the leaf cache', async t => {
  const { LeafCache } = await import('../src/local/leaf-cache.js')
  t.test('keeps the most recently used leaves within its byte bound', async t => {
    const cache = new LeafCache(4000)
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, Buffer.alloc(1000, k))
    t.equal(cache.size, 4000)
    t.ok(cache.get('a'), 'a is used again, so b is now the oldest')
    cache.set('e', Buffer.alloc(1000))
    t.equal(cache.size, 4000)
    t.equal(cache.get('b'), undefined, 'the least recently used left')
    t.ok(cache.get('a'))
    cache.set('huge', Buffer.alloc(1001))
    t.equal(cache.get('huge'), undefined, 'a leaf over a quarter of the bound is not kept')
    cache.delete('a')
    t.equal(cache.size, 3000)
    t.equal(new LeafCache(0).get('x'), undefined)
  })
})
