import type { EntitlementView } from '@mhc/protocols'
import t from 'tap'
import { fulfils, type Pending, parsePending } from '../src/billing/api.js'

const viewer = 'V'.repeat(43)
const creator = 'C'.repeat(43)
const other = 'O'.repeat(43)
const at = Date.parse('2026-11-28T12:00:00Z')

const view = (patch: Partial<EntitlementView>): EntitlementView => ({
  id: 'e'.repeat(22),
  kind: 'subscription',
  subject: viewer,
  creator,
  tier: 'FAN',
  amount: null,
  currency: null,
  video: null,
  notBefore: at,
  notAfter: at + 30 * 86_400_000,
  ref: 'stripe:sub_1',
  bridge: 'B'.repeat(43),
  status: 'valid',
  entitlement: 'xyz',
  ...patch
})

t.test('the success page knows the entitlement it waits for', async t => {
  const sub: Pending = { kind: 'subscription', creator, subject: viewer, back: '/watch/bafy', at }
  t.ok(fulfils(sub, view({})), 'a valid subscription to that creator, for that key')
  t.notOk(fulfils(sub, view({ creator: other })), 'to another creator')
  t.notOk(fulfils(sub, view({ subject: other })), 'for another key')
  t.notOk(fulfils(sub, view({ status: 'revoked' })), 'revoked')
  t.notOk(fulfils(sub, view({ status: 'expired' })), 'expired')
  t.notOk(fulfils(sub, view({ kind: 'tier', creator: null })), 'a tier is not a subscription')

  const tier: Pending = { kind: 'tier', tier: 'PRO', subject: viewer, back: '/plans', at }
  t.ok(fulfils(tier, view({ kind: 'tier', creator: null, tier: 'PRO' })))
  t.notOk(fulfils(tier, view({ kind: 'tier', creator: null, tier: 'FAN' })), 'another tier')

  const tip: Pending = { kind: 'tip', creator, video: 'bafyvideo', subject: viewer, back: '/watch/bafyvideo', at }
  const receipt = view({ kind: 'tip', tier: null, amount: 500, currency: 'usd', video: 'bafyvideo', notBefore: at + 5000 })
  t.ok(fulfils(tip, receipt), 'a tip receipt for that video, made after the checkout')
  t.notOk(fulfils(tip, { ...receipt, notBefore: at - 3_600_000 }), 'an older tip to the same video is not this one')
  t.notOk(fulfils(tip, { ...receipt, video: 'bafyother' }), 'a tip under another video')
})

t.test('a stored purchase is read back with care', async t => {
  const good = { kind: 'subscription', creator, subject: viewer, back: '/watch/bafy', at }
  t.same(parsePending(JSON.stringify(good)), good)
  t.same(parsePending(JSON.stringify({ kind: 'tier', tier: 'FAN', subject: viewer, back: '/plans', at })), { kind: 'tier', tier: 'FAN', subject: viewer, back: '/plans', at })
  const bad: Array<[string | null, string]> = [
    [null, 'nothing stored'],
    ['{', 'not JSON'],
    ['[]', 'not an object'],
    [JSON.stringify({ ...good, back: 'https://evil.example/' }), 'a way back to another site'],
    [JSON.stringify({ ...good, back: '//evil.example/x' }), 'a protocol-relative way back'],
    [JSON.stringify({ ...good, back: '/\\evil.example' }), 'a backslash way back (browsers read it as //)'],
    [JSON.stringify({ ...good, kind: 'refund' }), 'an unknown kind'],
    [JSON.stringify({ ...good, subject: 7 }), 'no subject'],
    [JSON.stringify({ ...good, creator: undefined }), 'a subscription without a creator'],
    [JSON.stringify({ kind: 'tier', subject: viewer, back: '/plans', at }), 'a tier without its name'],
    [JSON.stringify({ ...good, at: 'now' }), 'no time']
  ]
  for (const [text, why] of bad) t.equal(parsePending(text), undefined, why)
})
