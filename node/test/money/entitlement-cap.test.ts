/**
 * The entitlement store's cap (config `entitlementStoreSize`): past it, the
 * entitlements that expire first go, down to 1 % below the cap, so a full
 * store sorts once per hundredth of its size rather than on every add.
 */
import { type Signer, sealEntitlement, toBase64url } from '@mhc/protocols'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { randomSigner } from '../helpers/social.js'

const DAY = 86_400_000
const keyOf = (s: Signer): string => toBase64url(s.publicKey)

t.test('past the cap, the soonest to expire go, to 1 % below it', async t => {
  const bridge = randomSigner()
  const node = await startInProcessNode({ config: { bridgeKeys: [keyOf(bridge)], entitlementStoreSize: 200 } })
  t.teardown(async () => node.destroy())
  const creator = keyOf(randomSigner())
  const now = Date.now()
  // Entitlement i ends i hours after the first: the lower i, the sooner it expires.
  const ends = new Map<string, number>()
  for (let i = 0; i < 201; i++) {
    const id = toBase64url(crypto.getRandomValues(new Uint8Array(16)))
    const notAfter = now + DAY + i * 3_600_000
    ends.set(id, notAfter)
    await node.entitlements.add(await sealEntitlement({ v: 1, id, kind: 'subscription', subject: keyOf(randomSigner()), creator, tier: 'FAN', notBefore: now - DAY, notAfter, ref: `stripe:sub_${i}` }, bridge))
  }
  const kept = node.entitlements.list()
  t.equal(kept.length, 198, '201 added to a store of 200: 3 went, to 198')
  const soonestKept = Math.min(...kept.map(e => e.payload.notAfter))
  const gone = [...ends].filter(([id]) => !kept.some(e => e.id === id)).map(([, end]) => end)
  t.equal(gone.length, 3)
  t.ok(gone.every(end => end < soonestKept), 'the three that went expire before any that stayed')
})
