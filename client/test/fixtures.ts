/** Signed manifests made in the test, with a Node Ed25519 key (no test-only dependency). */
import { generateKeyPairSync, sign } from 'node:crypto'
import { type Signer, sealManifest, toBase64url, type VideoDetail, type VideoManifest } from '@mhc/protocols'

export function makeSigner (): Signer {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const x = publicKey.export({ format: 'jwk' }).x
  if (x === undefined) throw new Error('no raw public key')
  return {
    publicKey: new Uint8Array(Buffer.from(x, 'base64url')),
    sign: (data: Uint8Array) => new Uint8Array(sign(null, data, privateKey))
  }
}

export const ROOT = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

export function sampleManifest (signer: Signer): VideoManifest {
  const creator = toBase64url(signer.publicKey)
  return {
    v: 1,
    title: 'Test pattern',
    description: 'Twelve seconds.',
    creator,
    created: '2026-11-20T10:00:00Z',
    root: ROOT,
    master: 'master.m3u8',
    duration: 12,
    renditions: [
      { name: '360p', width: 640, height: 360, bandwidth: 1020800, averageBandwidth: 900000, codecs: 'avc1.4d401e,mp4a.40.2', playlist: '360p/index.m3u8' },
      { name: '720p', width: 1280, height: 720, frameRate: 30, bandwidth: 3220800, averageBandwidth: 3000000, codecs: 'avc1.4d401f,mp4a.40.2', playlist: '720p/index.m3u8' }
    ],
    poster: 'poster.jpg',
    licence: 'CC-BY-4.0',
    splits: [{ recipient: creator, bps: 10000 }]
  }
}

export async function sealed (): Promise<{ cid: string, bytes: Uint8Array, manifest: VideoManifest, detail: VideoDetail }> {
  const signer = makeSigner()
  const manifest = sampleManifest(signer)
  const { cid, bytes } = await sealManifest(manifest, signer)
  const c = cid.toString()
  const detail: VideoDetail = {
    cid: c,
    manifest: structuredClone(manifest),
    urls: { master: `/ipfs/${ROOT}/master.m3u8`, poster: `/ipfs/${ROOT}/poster.jpg`, manifestBlock: `/ipfs/${c}?format=raw` },
    views: 0,
    reactions: {}
  }
  return { cid: c, bytes, manifest, detail }
}

/** A fetch that answers from a table of path → Response factory, and records what it was asked. */
export function stubFetch (routes: Record<string, () => Response | Promise<Response>>) {
  const calls: string[] = []
  const fetch = async (input: string): Promise<Response> => {
    const u = new URL(input, 'http://gw.test/')
    calls.push(u.pathname + u.search)
    const make = routes[u.pathname + u.search] ?? routes[u.pathname]
    if (make === undefined) return problem(404, 'MHC_ERR_NOT_FOUND', `nothing at ${u.pathname}`)
    return await make()
  }
  return { fetch, calls }
}

export function problem (status: number, code: string, detail: string): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: 'Problem', status, detail, code }), { status, headers: { 'content-type': 'application/problem+json' } })
}

export const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
