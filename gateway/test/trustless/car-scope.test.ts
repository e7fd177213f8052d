import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { exporter } from 'ipfs-unixfs-exporter'
import t from 'tap'
import * as trustless from '../../src/trustless/index.js'
import { fetchCar, ids } from './car-helpers.js'
import { buildFixtures } from './fixtures.js'

const fx = await buildFixtures()
const car = (req: Parameters<typeof fetchCar>[2]) => fetchCar(trustless, fx.store, req)

t.test('CAR framing', async t => {
  t.test('is CARv1 with roots [requested root] and every block hashing to its CID', async t => {
    const res = await car({ cid: fx.dir, path: ['subdir', 'ascii.txt'] })
    t.equal(res.version, 1)
    t.same(res.roots, [fx.dir.toString()])
    t.same(res.unverified, [])
  })
  t.test('answers with the CAR headers the spec and conformance ask for', async t => {
    const res = await car({ cid: fx.dir, path: ['subdir', 'ascii.txt'] })
    t.equal(res.headers['Content-Type'], 'application/vnd.ipld.car; version=1; order=dfs; dups=n')
    t.equal(res.headers['Content-Disposition'], `attachment; filename="${fx.ascii}.car"`, 'named after the terminal CID (t0118)')
    t.equal(res.headers['X-Content-Type-Options'], 'nosniff')
    t.equal(res.headers['Accept-Ranges'], 'none')
    t.equal(res.headers['Cache-Control'], 'public, max-age=29030400, immutable')
    t.equal(res.headers['X-Ipfs-Path'], `/ipfs/${fx.dir}/subdir/ascii.txt`)
    t.equal(res.headers['X-Ipfs-Roots'], ids([fx.dir, fx.subdir, fx.ascii]).join(','))
    t.match(res.headers.Etag, new RegExp(`^W/"${fx.dir}\\.car\\.[\\w-]+"$`))
    t.equal(res.headers['Content-Length'], undefined, 'a streamed CAR has no length')
  })
  t.test('percent-encodes path segments in X-Ipfs-Path', async t => {
    const res = await car({ cid: fx.spaced, path: ['a b.txt'] })
    t.equal(res.headers['X-Ipfs-Path'], `/ipfs/${fx.spaced}/a%20b.txt`)
    t.same(res.order, ids([fx.spaced, fx.hello]))
  })
})

t.test('pathing (TestTrustlessCarPathing)', async t => {
  t.test('through UnixFS directories: exactly [root, subdir, ascii.txt]', async t => {
    t.same((await car({ cid: fx.dir, path: ['subdir', 'ascii.txt'] })).order, ids([fx.dir, fx.subdir, fx.ascii]))
  })
  t.test('through DAG-CBOR links: exactly [document, target]', async t => {
    t.same((await car({ cid: fx.cbor, path: ['files', 'single'] })).order, ids([fx.cbor, fx.ascii]))
  })
  t.test('through a HAMT: root, only the sub-shards on the way, then the file', async t => {
    const res = await car({ cid: fx.hamt, path: ['file-7.txt'] })
    const [first, ...rest] = res.blocks
    const last = rest.pop()
    t.equal(first?.cid.toString(), fx.hamt.toString())
    t.ok(rest.length >= 1, 'fanout 16 with 300 entries puts every file below a sub-shard')
    for (const b of rest) t.equal(UnixFS.unmarshal(dagPb.decode(b.bytes).Data as Uint8Array).type, 'hamt-sharded-directory')
    const all = await car({ cid: fx.hamt, dagScope: 'entity' })
    t.ok(rest.length < all.blocks.length - 1, 'not the whole HAMT')
    const only = new MemoryBlockstore()
    for (const b of res.blocks) await only.put(b.cid, b.bytes)
    const entry = await exporter(`${fx.hamt}/file-7.txt`, only)
    t.equal(last?.cid.toString(), entry.cid.toString(), 'the CAR alone resolves the path to the file')
  })
  t.test('a path that does not exist is 404 before any byte is sent', async t => {
    const err = await trustless.trustlessResponse(fx.store, { cid: fx.dir, path: ['subdir', 'i-do-not-exist'], format: 'car' }).catch(e => e)
    t.equal(err.code, 'MHC_ERR_NOT_FOUND')
  })
  t.test('a path below a file is 404 (raw leaf and dag-pb file)', async t => {
    for (const path of [['hello.txt', 'x'], ['subdir', 'multiblock.txt', 'x'], ['subdir', 'multiblock.txt', 'x', 'y']]) {
      const err = await trustless.trustlessResponse(fx.store, { cid: fx.dir, path, format: 'car' }).catch(e => e)
      t.equal(err.code, 'MHC_ERR_NOT_FOUND', path.join('/'))
    }
  })
  t.test('a missing DAG-CBOR field is 404', async t => {
    const err = await trustless.trustlessResponse(fx.store, { cid: fx.cbor, path: ['files', 'nope'], format: 'car' }).catch(e => e)
    t.equal(err.code, 'MHC_ERR_NOT_FOUND')
  })
})

t.test('dag-scope=block (TestTrustlessCarDagScopeBlock)', async t => {
  t.test('of a directory on a path: exactly [root, subdir]', async t => {
    t.same((await car({ cid: fx.dir, path: ['subdir'], dagScope: 'block' })).order, ids([fx.dir, fx.subdir]))
  })
  t.test('of a file on a path: exactly [root, subdir, file root]', async t => {
    t.same((await car({ cid: fx.dir, path: ['subdir', 'multiblock.txt'], dagScope: 'block' })).order, ids([fx.dir, fx.subdir, fx.multiblock]))
  })
  t.test('of a DAG-CBOR document: the document only', async t => {
    t.same((await car({ cid: fx.cbor, dagScope: 'block' })).order, ids([fx.cbor]))
  })
})

t.test('dag-scope=entity (TestTrustlessCarDagScopeEntity)', async t => {
  t.test('of a directory: the directory node only', async t => {
    t.same((await car({ cid: fx.dir, dagScope: 'entity' })).order, ids([fx.dir]))
  })
  t.test('of a single-block file on a path: [root, subdir, file]', async t => {
    t.same((await car({ cid: fx.dir, path: ['subdir', 'ascii.txt'], dagScope: 'entity' })).order, ids([fx.dir, fx.subdir, fx.ascii]))
  })
  t.test('of a chunked file on a path: path blocks, file root, every leaf in order', async t => {
    t.same((await car({ cid: fx.dir, path: ['subdir', 'multiblock.txt'], dagScope: 'entity' })).order,
      ids([fx.dir, fx.subdir, fx.multiblock, ...fx.leaves]))
  })
  t.test('of DAG-CBOR with links: the document, not what it links to', async t => {
    t.same((await car({ cid: fx.cbor, dagScope: 'entity' })).order, ids([fx.cbor]))
  })
  t.test('of a raw block: the block', async t => {
    t.same((await car({ cid: fx.rawBlock, dagScope: 'entity' })).order, ids([fx.rawBlock]))
  })
  t.test('of a HAMT: every shard node, root first, no entries; enough to list it', async t => {
    const res = await car({ cid: fx.hamt, dagScope: 'entity' })
    const shards: string[] = []
    for await (const { cid, bytes } of fx.store.getAll()) {
      // MemoryBlockstore.getAll() reports every CID as raw: decode to find the shard nodes
      const unixfs = unixfsType(await collectChunks(bytes))
      if (unixfs === 'hamt-sharded-directory') shards.push(cid.multihash.bytes.toString())
    }
    t.equal(res.order[0], fx.hamt.toString())
    t.same(res.blocks.map(b => b.cid.multihash.bytes.toString()).sort(), shards.sort(), 'exactly the shard nodes in the store')
    const only = new MemoryBlockstore()
    for (const b of res.blocks) await only.put(b.cid, b.bytes)
    const dir = await exporter(fx.hamt, only)
    const names: string[] = []
    if (dir.type === 'directory') for await (const e of dir.entries()) names.push(e.name)
    t.same(names.sort(), [...fx.hamtFiles.keys()].sort(), 'the CAR alone enumerates the directory')
  })
})

t.test('dag-scope=all (TestTrustlessCarDagScopeAll) and the default', async t => {
  t.test('of a directory on a path: the subdir, then every descendant depth-first in link order', async t => {
    t.same((await car({ cid: fx.dir, path: ['subdir'], dagScope: 'all' })).order,
      ids([fx.dir, fx.subdir, fx.ascii, fx.multiblock, ...fx.leaves]))
  })
  t.test('all is the default', async t => {
    t.same((await car({ cid: fx.dir, path: ['subdir'] })).order, (await car({ cid: fx.dir, path: ['subdir'], dagScope: 'all' })).order)
  })
  t.test('of a whole tree: root, hello.txt, subdir, ... (names sort hello < subdir)', async t => {
    t.same((await car({ cid: fx.dir })).order, ids([fx.dir, fx.hello, fx.subdir, fx.ascii, fx.multiblock, ...fx.leaves]))
  })
  t.test('of DAG-CBOR: links in encoded key order (list before files: shorter keys sort first)', async t => {
    t.same((await car({ cid: fx.cbor })).order, ids([fx.cbor, fx.hello, fx.ascii]))
  })
  t.test('of a HAMT: the CAR alone reads every file', async t => {
    const res = await car({ cid: fx.hamt })
    const only = new MemoryBlockstore()
    for (const b of res.blocks) await only.put(b.cid, b.bytes)
    for (const [name, content] of fx.hamtFiles) {
      const entry = await exporter(`${fx.hamt}/${name}`, only)
      const parts: Uint8Array[] = []
      if (entry.type === 'raw' || entry.type === 'file') for await (const p of entry.content()) parts.push(p)
      if (Buffer.compare(Buffer.concat(parts), content) !== 0) t.fail(`${name} differs`)
    }
    t.pass('all files read back')
  })
})

function unixfsType (bytes: Uint8Array): string | undefined {
  try {
    const data = dagPb.decode(bytes).Data
    return data === undefined ? undefined : UnixFS.unmarshal(data).type
  } catch {
    return undefined
  }
}

async function collectChunks (bytes: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of bytes) parts.push(p)
  return parts.length === 1 ? parts[0] as Uint8Array : Uint8Array.from(parts.flatMap(p => [...p]))
}
