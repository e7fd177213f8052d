/**
 * Key delegations across two real nodes on loopback (docs/specs/content-keys.md
 * § Delegations, decision 0028): the creator's node A signs a delegation to
 * gateway node Y and hands it the content key; Y then serves that key, with
 * A stopped, to a fan's browser key on Y that is a confirmed device of the
 * key the subscription was bought for (on another gateway). Revocation takes
 * the key back; a hand-over from anyone but the creator's own node is
 * refused.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { lpStream } from '@libp2p/utils'
import { ENTITLEMENT_HEADER } from '@mhc/gateway'
import {
  canonicalJson, type EntitlementPayload, KEY_DELEGATION_PROTOCOL, KEY_PROOF_HEADER, openManifest, parseJson, type Signer, sealEntitlement, sealKeyDelegation, sealKeyRequest, sealProfile, toBase64url
} from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { keySigner } from '../../src/p2p/signer.js'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { makeClip, tempDir } from '../helpers/media.js'
import { connect, randomSigner } from '../helpers/social.js'

const DAY = 86_400_000
const keyOf = (s: Signer): string => toBase64url(s.publicKey)

t.test('a delegated gateway serves a creator\'s keys while the creator\'s node is offline, to a fan\'s linked device', async t => {
  const work = await tempDir(t)
  const bridge = randomSigner()
  const config = { bridgeKeys: [keyOf(bridge)] }
  const a = await startInProcessNode({ gateway: true, config })
  const y = await startInProcessNode({ gateway: true, config })
  let aStopped = false
  t.teardown(async () => { await Promise.all([aStopped ? undefined : a.destroy(), y.destroy()]) })
  await connect(a, y)
  const gwY = y.gateway?.url ?? ''
  const creator = a.id().publicKey
  const yKey = y.id().publicKey

  const published = await a.publisher.publish({ path: await makeClip(join(work, 'clip.mp4'), { seconds: 4 }), title: 'For fans', audience: 'subscribers' })
  const { manifest } = await openManifest(new Uint8Array(await (await fetch(`${a.gateway?.url ?? ''}/ipfs/${published.manifest}?format=raw`)).arrayBuffer()))
  const keyId = manifest.keyId ?? ''

  // The fan bought on gateway X with key fanX; on Y their browser has key fanY, linked as a device of fanX (both records signed).
  const fanX = randomSigner()
  const fanY = randomSigner()
  const now = Date.now()
  await y.profiles.publishSigned(await sealProfile({ v: 1, name: 'Fan', bio: '', links: [], devices: [keyOf(fanY)], updated: now }, fanX))
  await y.profiles.publishSigned(await sealProfile({ v: 1, name: 'Fan', bio: '', links: [], of: keyOf(fanX), updated: now }, fanY))
  const subscription = toBase64url(await sealEntitlement({
    v: 1, id: `deleg${String(now).padStart(17, '0')}`, kind: 'subscription', subject: keyOf(fanX), creator, tier: 'FAN', notBefore: now - DAY, notAfter: now + 30 * DAY, ref: 'stripe:sub_deleg'
  } satisfies EntitlementPayload, bridge))
  const askY = async (signer: Signer, entitlement = subscription): Promise<{ status: number, code?: string, body: Buffer }> => {
    const proof = toBase64url(await sealKeyRequest({ v: 1, keyId, ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin: gwY }, signer))
    const res = await fetch(`${gwY}/api/v1/keys/${keyId}`, { headers: { [KEY_PROOF_HEADER]: proof, [ENTITLEMENT_HEADER]: entitlement } })
    const body = Buffer.from(await res.arrayBuffer())
    return { status: res.status, body, ...(res.status >= 400 ? { code: (JSON.parse(body.toString()) as { code: string }).code } : {}) }
  }

  await t.test('before any delegation, Y keeps no key of A\'s (and lists no peer gateway to forward to)', async t => {
    const res = await askY(fanY)
    t.same([res.status, res.code], [404, 'MHC_ERR_CONTENT_KEY_UNKNOWN'])
  })

  await t.test('A delegates to Y: a signed grant, handed over with the key', async t => {
    const given = await a.keyDelegations.delegate(yKey, { days: 7 })
    t.match(given, { direction: 'given', creator, node: yKey, kind: 'grant', status: 'in-force', keys: 1, delivered: true })
    t.ok((given.notAfter ?? 0) - (given.notBefore ?? 0) === 7 * DAY, 'for the days asked')
    const held = await y.keyDelegations.list()
    t.match(held, [{ direction: 'held', creator, node: yKey, kind: 'grant', status: 'in-force', keys: 1 }], 'Y holds the record and the key')
  })

  await t.test('revoked, Y drops the key; delegated again, Y has it back', async t => {
    const revoked = await a.keyDelegations.revoke(yKey)
    t.match(revoked, { kind: 'revoke', status: 'revoked', delivered: true })
    t.match(await y.keyDelegations.list(), [{ direction: 'held', kind: 'revoke', status: 'revoked', keys: 0 }])
    t.same((await askY(fanY)).status, 404, 'no key to serve')
    t.equal((await a.keyDelegations.delegate(yKey)).delivered, true)
    t.match(await y.keyDelegations.list(), [{ kind: 'grant', keys: 1 }])
  })

  await t.test('revoking a node never delegated to is a typed 404', async t => {
    await t.rejects(a.keyDelegations.revoke(keyOf(randomSigner())), { code: 'MHC_ERR_KEY_DELEGATION_NOT_FOUND' })
  })

  await t.test('a hand-over from a node that is not the creator\'s is refused', async t => {
    const mallory = await startInProcessNode({})
    t.teardown(async () => mallory.destroy())
    await connect(mallory, y)
    // A grant genuinely signed by some creator key, but sent from another node: it could bring wrong keys for that creator's videos.
    const other = randomSigner()
    const record = await sealKeyDelegation({ v: 1, kind: 'grant', node: yKey, issued: Date.now(), notBefore: Date.now(), notAfter: Date.now() + DAY }, other)
    const stream = await mallory.p2p.helia.libp2p.dialProtocol(y.p2p.helia.libp2p.peerId, KEY_DELEGATION_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
    const lp = lpStream(stream)
    await lp.write(canonicalJson({ v: 1, delegation: toBase64url(record), keys: [{ id: toBase64url(randomBytes(16)), key: toBase64url(randomBytes(16)) }] }))
    const answer = parseJson((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray()) as { ok: boolean, code: string }
    await stream.close()
    t.same(answer.ok, false)
    t.equal(answer.code, 'MHC_ERR_KEY_DELEGATION_INVALID')
    t.notOk((await y.keyDelegations.list()).some(d => d.creator === keyOf(other)), 'nothing kept from it')
  })

  await t.test('another creator\'s own delegation cannot replace a key A delegated (key ids are public)', async t => {
    const mallory = await startInProcessNode({})
    t.teardown(async () => mallory.destroy())
    await connect(mallory, y)
    // Signed by the sending node's own key, so the hand-over itself is genuine; the key id it brings is A's.
    const record = await sealKeyDelegation({ v: 1, kind: 'grant', node: yKey, issued: Date.now(), notBefore: Date.now(), notAfter: Date.now() + DAY }, keySigner(mallory.repo.privateKey))
    const stream = await mallory.p2p.helia.libp2p.dialProtocol(y.p2p.helia.libp2p.peerId, KEY_DELEGATION_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
    const lp = lpStream(stream)
    await lp.write(canonicalJson({ v: 1, delegation: toBase64url(record), keys: [{ id: keyId, key: toBase64url(randomBytes(16)) }] }))
    const answer = parseJson((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray()) as { ok: boolean, kept: number }
    await stream.close()
    t.same(answer, { ok: true, kept: 0 }, 'its record is kept, A\'s key is not replaced')
    const held = await y.keyDelegations.list()
    t.match(held.find(d => d.creator === creator), { keys: 1 }, 'A\'s key is still A\'s')
    t.match(held.find(d => d.creator === mallory.id().publicKey), { keys: 0 }, 'the other creator holds no key here')
  })

  await t.test('with A stopped, Y serves the key to the fan\'s device key, and only with a subscription of the person', async t => {
    const expected = await fetchOwnKey()
    await a.destroy()
    aStopped = true
    const res = await eventually(async () => {
      const r = await askY(fanY)
      return r.status === 200 ? r : undefined
    }, { what: 'the key from Y' })
    t.same(new Uint8Array(res.body), expected, 'the creator\'s key, served by the delegated node offline')
    const stranger = await askY(randomSigner())
    t.same([stranger.status, stranger.code], [403, 'MHC_ERR_ENTITLEMENT_SUBJECT'], 'a key that is not the person\'s does not borrow its subscription')
    const none = await askY(fanY, '')
    t.same([none.status, none.code], [402, 'MHC_ERR_ENTITLEMENT_REQUIRED'], 'the device without the entitlement presented')
  })

  /** A's own key for the video, as A's gateway keeps it (read from the datastore the way the gateway does). */
  async function fetchOwnKey (): Promise<Uint8Array> {
    const { contentKeys } = await import('../../src/money/content-keys.js')
    const k = await contentKeys()({ datastore: a.p2p.helia.datastore }).get(keyId)
    if (k === undefined) throw new Error('A keeps no key')
    return k.key
  }
})
