import { readFile } from 'node:fs/promises'
import * as dagCbor from '@ipld/dag-cbor'
import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import { decodeEnvelope, encodeEnvelope, fromBase64url, openManifest, type Signer, sealManifest, toBase64url, type VideoManifest } from '../src/index.js'

interface Vector { seed: string, publicKey: string, manifest: VideoManifest, cid: string, block: string }

async function vectorFromSpec (): Promise<Vector> {
  const doc = await readFile(new URL('../../docs/specs/manifest.md', import.meta.url), 'utf8')
  const m = /<!-- test-vector:manifest -->\s*```json\n([\s\S]*?)```/.exec(doc)
  if (m?.[1] === undefined) throw new Error('docs/specs/manifest.md has no test vector')
  return JSON.parse(m[1]) as Vector
}

function signerFromSeed (seed: Uint8Array): Signer {
  return { publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) }
}

const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())

function manifestFor (signer: Signer, patch: Partial<VideoManifest> = {}): VideoManifest {
  const creator = toBase64url(signer.publicKey)
  return {
    v: 1,
    title: 'Clip',
    description: '',
    creator,
    created: '2026-11-24T10:00:00.000Z',
    root: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
    master: 'master.m3u8',
    duration: 2,
    renditions: [{ name: 'audio', bandwidth: 130000, averageBandwidth: 128000, codecs: 'mp4a.40.2', playlist: 'audio/index.m3u8' }],
    licence: 'CC0-1.0',
    splits: [{ recipient: creator, bps: 10000 }],
    ...patch
  }
}

t.test('video manifest v1', async t => {
  t.test('the spec test vector seals to the same bytes and CID, and opens', async t => {
    const vec = await vectorFromSpec()
    const signer = signerFromSeed(fromBase64url(vec.seed))
    t.equal(toBase64url(signer.publicKey), vec.publicKey)
    const sealed = await sealManifest(vec.manifest, signer)
    t.equal(toBase64url(sealed.bytes), vec.block, 'same block bytes')
    t.equal(sealed.cid.toString(), vec.cid, 'same CID')
    const opened = await openManifest(fromBase64url(vec.block), sealed.cid)
    t.same(opened.manifest, vec.manifest)
  })

  t.test('seal then open round-trips and the CID is dag-cbor', async t => {
    const signer = randomSigner()
    const m = manifestFor(signer)
    const { cid, bytes } = await sealManifest(m, signer)
    t.equal(cid.code, dagCbor.code)
    t.same((await openManifest(bytes)).manifest, m)
  })

  t.test('refuses to seal for another creator than the signer', async t => {
    await t.rejects(sealManifest(manifestFor(randomSigner()), randomSigner()), { code: 'MHC_ERR_WIRE_FORMAT' })
  })

  t.test('rejects a manifest whose signature does not verify', async t => {
    const signer = randomSigner()
    const { bytes } = await sealManifest(manifestFor(signer), signer)
    const env = decodeEnvelope(bytes)
    const sig = env.signature.slice()
    sig[0] = (sig[0] ?? 0) ^ 1
    await t.rejects(openManifest(encodeEnvelope({ ...env, signature: sig })), { code: 'MHC_ERR_SIGNATURE_INVALID' })
  })

  t.test('rejects a payload changed after signing', async t => {
    const signer = randomSigner()
    const { bytes } = await sealManifest(manifestFor(signer), signer)
    const env = decodeEnvelope(bytes)
    const payload = new TextEncoder().encode(new TextDecoder().decode(env.payload).replace('Clip', 'Clop'))
    await t.rejects(openManifest(encodeEnvelope({ ...env, payload })), { code: 'MHC_ERR_SIGNATURE_INVALID' })
  })

  t.test('rejects a manifest re-signed by someone who is not the creator', async t => {
    const creator = randomSigner()
    const forger = randomSigner()
    const { bytes } = await sealManifest(manifestFor(creator), creator)
    const env = decodeEnvelope(bytes)
    const { signedBytes } = await import('../src/envelope.js')
    const signature = await forger.sign(signedBytes(env.domain, env.payloadType, env.payload))
    await t.rejects(openManifest(encodeEnvelope({ ...env, publicKey: forger.publicKey, signature })), { code: 'MHC_ERR_SIGNATURE_INVALID' })
  })

  t.test('rejects bytes that do not hash to the expected CID', async t => {
    const signer = randomSigner()
    const a = await sealManifest(manifestFor(signer), signer)
    const b = await sealManifest(manifestFor(signer, { title: 'Other' }), signer)
    await t.rejects(openManifest(a.bytes, b.cid), { code: 'MHC_ERR_WIRE_FORMAT' })
  })

  const invalid: Array<[string, Partial<VideoManifest> | Record<string, unknown>]> = [
    ['splits that do not sum to 10000', { splits: [{ recipient: '0x' + 'a'.repeat(40), bps: 9999 }] }],
    ['a split recipient twice', { splits: [{ recipient: '0x' + 'a'.repeat(40), bps: 5000 }, { recipient: '0x' + 'a'.repeat(40), bps: 5000 }] }],
    ['no renditions', { renditions: [] }],
    ['an unknown field', { extra: true }],
    ['a version 2', { v: 2 }],
    ['an empty title', { title: '' }],
    ['a root that is not a CID', { root: 'bnot-a-cid-at-all-but-base32ish' }],
    ['a negative duration', { duration: -1 }],
    ['a local time without Z', { created: '2026-11-24T10:00:00' }]
  ]
  for (const [what, patch] of invalid) {
    t.test(`rejects ${what}`, async t => {
      const signer = randomSigner()
      await t.rejects(sealManifest({ ...manifestFor(signer), ...patch } as VideoManifest, signer), { code: /^MHC_ERR_(WIRE_FORMAT|CID_INVALID)$/ })
    })
  }
})
