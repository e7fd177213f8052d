import { join } from 'node:path'
import { decodeEnvelope, encodeEnvelope, manifestCid, type Signer, sealManifest, toBase64url } from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import { FsBlockstore } from 'blockstore-fs'
import t from 'tap'
import { makeRepo, removeRepo, startDaemon } from '../../src/testing/daemon-process.js'

const sk = ed25519.utils.randomSecretKey()
const signer: Signer = { publicKey: ed25519.getPublicKey(sk), sign: d => ed25519.sign(d, sk) }
const creator = toBase64url(signer.publicKey)

t.test('mhc manifest verifies before it prints', async t => {
  const repo = await makeRepo()
  t.teardown(async () => removeRepo(repo))
  const good = await sealManifest({
    v: 1, title: 'Real', description: '', creator, created: '2026-11-24T00:00:00Z',
    root: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', master: 'master.m3u8', duration: 1,
    renditions: [{ name: 'audio', bandwidth: 1, averageBandwidth: 1, codecs: 'mp4a.40.2', playlist: 'audio/index.m3u8' }],
    licence: 'CC0-1.0', splits: [{ recipient: creator, bps: 10000 }]
  }, signer)
  const env = decodeEnvelope(good.bytes)
  const tampered = encodeEnvelope({ ...env, payload: new TextEncoder().encode(new TextDecoder().decode(env.payload).replace('Real', 'Fake')) })
  const tamperedCid = await manifestCid(tampered)

  // Put the blocks straight into the repo's store while no daemon runs.
  const store = new FsBlockstore(join(repo, 'blocks'))
  await store.open()
  await store.put(good.cid, good.bytes)
  await store.put(tamperedCid, tampered)
  await store.close()

  const d = await startDaemon({ repo })
  t.teardown(async () => { await d.stop() })

  t.test('a good manifest prints, verified', async t => {
    const res = await d.cli(['manifest', good.cid.toString(), '--json'])
    t.equal(res.code, 0, res.stderr)
    t.match(JSON.parse(res.stdout), { cid: good.cid.toString(), manifest: { title: 'Real', creator } })
  })

  t.test('a manifest whose signature does not verify is refused, and the error says why', async t => {
    const res = await d.cli(['manifest', tamperedCid.toString()])
    t.equal(res.code, 1)
    t.equal(res.stdout, '', 'nothing unverified reaches stdout')
    t.match(res.stderr, /^error MHC_ERR_SIGNATURE_INVALID: Signature does not verify/)
    const json = await d.cli(['manifest', tamperedCid.toString(), '--json'])
    t.match(JSON.parse(json.stdout), { error: { code: 'MHC_ERR_SIGNATURE_INVALID' } })
  })

  t.test('a CID that is not a dag-cbor block is not a manifest', async t => {
    const res = await d.cli(['manifest', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'])
    t.equal(res.code, 1)
    t.match(res.stderr, /^error MHC_ERR_NOT_A_MANIFEST: /)
  })
})
