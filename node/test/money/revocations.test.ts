import { TopicValidatorResult } from '@libp2p/gossipsub'
import { lpStream } from '@libp2p/utils'
import {
  type EntitlementPayload, REVOCATION_PROTOCOL, REVOCATION_TOPIC, type RevocationPayload, type Signer, sealEntitlement, sealRevocation, toBase64url
} from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { pino } from 'pino'
import t from 'tap'
import { createNode } from '../../src/daemon.js'
import { serveRevocations } from '../../src/money/exchange.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { connect, equalBytes, meshed, randomSigner, rawPeer, type Seen, scoreOf, watchValidator } from '../helpers/social.js'

const DAY = 86_400_000
const keyOf = (s: Signer): string => toBase64url(s.publicKey)
const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => await p.then(() => undefined, (err: { code?: string }) => err.code)
let n = 0
/** A fresh entitlement id (22 base64url characters). */
const newId = (): string => `test${String(++n).padStart(18, '0')}`

t.test('entitlements and revocations between nodes, over real gossipsub on loopback', async t => {
  const bridge = randomSigner()
  const buyer = randomSigner()
  const creator = randomSigner()
  const config = { bridgeKeys: [keyOf(bridge)] }
  const [a, b] = await Promise.all([startInProcessNode({ config }), startInProcessNode({ config })])
  // E: a bare gossipsub peer with no MHC validation, that publishes whatever it is given.
  const e = await rawPeer()
  const later: InProcessNode[] = []
  t.teardown(async () => {
    await Promise.all([a, b, ...later].map(async x => x.destroy().catch(() => {})))
    await e.stop()
  })
  e.services.pubsub.subscribe(REVOCATION_TOPIC)
  await connect(a, b)
  await connect(e, b)
  await meshed([[a, b], [e, b]], REVOCATION_TOPIC)
  const seen: Seen[] = []
  watchValidator(b, REVOCATION_TOPIC, seen)
  const verdictOf = async (bytes: Uint8Array): Promise<TopicValidatorResult> =>
    (await eventually(() => seen.find(s => equalBytes(s.data, bytes)), { what: 'B judging the message' })).verdict

  const now = Date.now()
  const entitlement = (patch: Partial<EntitlementPayload> = {}): EntitlementPayload => ({
    v: 1, id: newId(), kind: 'subscription', subject: keyOf(buyer), creator: keyOf(creator), tier: 'FAN', notBefore: now - DAY, notAfter: now + 30 * DAY, ref: 'stripe:sub_test', ...patch
  })
  const revocation = (p: EntitlementPayload, patch: Partial<RevocationPayload> = {}): RevocationPayload => ({ v: 1, entitlement: p.id, reason: 'refund', at: Date.now(), notAfter: p.notAfter, ...patch })
  const sub = entitlement()
  const subBytes = await sealEntitlement(sub, bridge)

  t.test('a node keeps an entitlement by subject and finds it valid for the buyer\'s keys only', async t => {
    const kept = await b.entitlements.add(subBytes)
    t.equal(kept.id, sub.id)
    t.same(b.entitlements.validFor([keyOf(randomSigner()), keyOf(buyer)]).map(x => x.id), [sub.id])
    t.same(b.entitlements.validFor([keyOf(creator)]), [], 'not for another key')
    t.same(b.entitlements.list({ subject: keyOf(buyer) }).map(x => x.id), [sub.id])
    t.equal((await b.entitlements.verify(subBytes, { subject: keyOf(buyer), creator: keyOf(creator) })).id, sub.id)
    t.equal(await codeOf(b.entitlements.add(await sealEntitlement(entitlement(), randomSigner()))), 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY', 'one signed by an unknown key is not kept')
    t.equal(await codeOf(b.entitlements.add(await sealEntitlement(entitlement({ notBefore: now - 60 * DAY, notAfter: now - 30 * DAY }), bridge))), 'MHC_ERR_ENTITLEMENT_EXPIRED', 'nor an expired one')
    t.equal(b.entitlements.list().length, 1)
    await t.rejects(b.entitlements.add(await sealEntitlement(entitlement(), bridge), { signal: AbortSignal.abort() }), 'an aborted signal: nothing is kept')
    t.equal(b.entitlements.list().length, 1)
    t.equal(await codeOf(b.entitlements.add(new Uint8Array(4096))), 'MHC_ERR_WIRE_FORMAT', 'oversized bytes are refused, not kept')
  })

  t.test('a revocation the bridge publishes on A reaches B over gossipsub; B then refuses the entitlement', async t => {
    const bytes = await sealRevocation(revocation(sub), bridge)
    const r = await a.entitlements.revoke(bytes)
    t.equal(r.entitlement, sub.id)
    t.equal(await verdictOf(bytes), TopicValidatorResult.Accept)
    await eventually(() => b.entitlements.isRevoked(sub.id), { what: 'the revocation on B' })
    t.equal(await codeOf(b.entitlements.verify(subBytes, { subject: keyOf(buyer) })), 'MHC_ERR_ENTITLEMENT_REVOKED')
    t.same(b.entitlements.validFor([keyOf(buyer)]), [], 'no longer valid for its buyer')
    t.equal((await a.entitlements.revoke(bytes)).entitlement, sub.id, 'revoking again is not an error')
  })

  t.test('a revocation signed by an unknown key is ignored: not kept, and its sender keeps its score', async t => {
    const other = entitlement()
    await b.entitlements.add(await sealEntitlement(other, bridge))
    const bytes = await sealRevocation(revocation(other), randomSigner())
    await e.services.pubsub.publish(REVOCATION_TOPIC, bytes)
    t.equal(await verdictOf(bytes), TopicValidatorResult.Ignore)
    t.notOk(b.entitlements.isRevoked(other.id))
    t.notOk(a.entitlements.isRevoked(other.id), 'not forwarded to A either')
    t.equal(b.entitlements.validFor([keyOf(buyer)]).map(x => x.id).includes(other.id), true, 'the entitlement still holds')
    t.ok(scoreOf(b, e) >= 0, 'a peer may trust another bridge: that costs nothing')
    t.equal(await codeOf(a.entitlements.revoke(bytes)), 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY', 'and the node refuses to publish one')
  })

  t.test('a forged revocation (a tampered byte) is rejected, not kept, and costs its sender score', async t => {
    const target = entitlement()
    const bytes = await sealRevocation(revocation(target), bridge)
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 1
    await e.services.pubsub.publish(REVOCATION_TOPIC, bytes)
    t.equal(await verdictOf(bytes), TopicValidatorResult.Reject)
    t.notOk(b.entitlements.isRevoked(target.id))
    // One rejection takes E below the graylist threshold: B ignores it from now on (so this is the last message E sends).
    await eventually(() => scoreOf(b, e) < 0, { what: 'E\'s score on B falling' })
  })

  t.test('a node that starts later fetches the revocations from a peer it connects to', async t => {
    const c = await startInProcessNode({ config })
    later.push(c)
    t.notOk(c.entitlements.isRevoked(sub.id))
    await connect(c, a)
    await eventually(() => c.entitlements.isRevoked(sub.id), { what: 'C fetching the revocation from A' })
    t.equal(c.entitlements.revocations().length, 1, 'only the trusted bridge\'s revocation came')
  })

  t.test('a peer that answers with forged, foreign or junk revocations gets none kept; the node stays well and learns from an honest peer', async t => {
    // G: a bare peer that speaks the protocol and answers with what no honest node would.
    const g = await rawPeer()
    t.teardown(async () => g.stop())
    const target = entitlement()
    const forged = await sealRevocation(revocation(target), bridge)
    forged[forged.length - 3] = (forged[forged.length - 3] ?? 0) ^ 1
    const foreign = await sealRevocation(revocation(target), randomSigner())
    let askedG = 0
    await g.handle(REVOCATION_PROTOCOL, async stream => {
      askedG++
      await serveRevocations(stream, () => [forged, foreign, new Uint8Array([1, 2, 3])], { signal: AbortSignal.timeout(5000) }).catch(() => {})
    })
    const h = await startInProcessNode({ config })
    later.push(h)
    let askedJunk = 0
    const junkPeer = await rawPeer()
    t.teardown(async () => junkPeer.stop())
    // A second bare peer that answers a head announcing more than the limit, then nothing.
    await junkPeer.handle(REVOCATION_PROTOCOL, async stream => {
      askedJunk++
      const lp = lpStream(stream)
      await lp.read({ signal: AbortSignal.timeout(5000) }).catch(() => {})
      await lp.write(new TextEncoder().encode('{"n":999999}'), { signal: AbortSignal.timeout(5000) }).catch(() => {})
      await stream.close().catch(() => {})
    })
    await connect(h, g)
    await connect(h, junkPeer)
    await eventually(() => askedG > 0 && askedJunk > 0, { what: 'H asking both bare peers' })
    await new Promise(resolve => setTimeout(resolve, 500))
    t.equal(h.entitlements.revocations().length, 0, 'nothing kept from either')
    // And junk sent to H's own handler is refused without harm.
    const stream = await g.dialProtocol(h.p2p.helia.libp2p.peerId, REVOCATION_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    await lpStream(stream).write(new TextEncoder().encode('not json'), { signal: AbortSignal.timeout(5000) })
    await new Promise(resolve => { stream.addEventListener('close', resolve); setTimeout(resolve, 3000) })
    await connect(h, a)
    await eventually(() => h.entitlements.isRevoked(sub.id), { what: 'H fetching from the honest A' })
    t.equal(h.entitlements.revocations().length, 1)
  })

  t.test('a node that trusts no bridge keeps no revocation', async t => {
    const d = await startInProcessNode()
    later.push(d)
    await connect(d, a)
    await eventually(() => d.p2p.helia.libp2p.getPeers().length > 0)
    // Give the fetch a chance: A answers, D ignores what it cannot verify.
    await new Promise(resolve => setTimeout(resolve, 500))
    t.equal(d.entitlements.revocations().length, 0)
    t.equal(await codeOf(d.entitlements.verify(subBytes)), 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY')
  })

  t.test('entitlements and revocations survive a restart', async t => {
    const before = b.entitlements.list().map(x => x.id).sort()
    await b.stop()
    const again = await createNode(b.repo.paths.root, {}, pino({ level: 'silent' }))
    t.teardown(async () => again.stop())
    t.same(again.entitlements.list().map(x => x.id).sort(), before)
    t.ok(again.entitlements.isRevoked(sub.id))
    t.equal(await codeOf(again.entitlements.verify(subBytes)), 'MHC_ERR_ENTITLEMENT_REVOKED')
  })
})
