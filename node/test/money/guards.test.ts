import { ENTITLEMENT_HEADER } from '@mhc/gateway'
import { type EntitlementPayload, type Signer, sealEntitlement, sealRevocation, toBase64url } from '@mhc/protocols'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { register } from '../helpers/accounts.js'
import { randomSigner } from '../helpers/social.js'

const DAY = 86_400_000
const keyOf = (s: Signer): string => toBase64url(s.publicKey)
let n = 0
const newId = (): string => `guard${String(++n).padStart(17, '0')}`

// The `upload` feature gated on a real gateway: a creator needs a FAN tier entitlement to start a browser upload.
t.test('a gateway that gates uploads asks for the tier that unlocks them', async t => {
  const bridge = randomSigner()
  const node = await startInProcessNode({ gateway: true, config: { bridgeKeys: [keyOf(bridge)], gatedFeatures: ['upload'] } })
  t.teardown(async () => node.destroy())
  const gw = node.gateway?.url ?? ''
  const ada = randomSigner()
  const { headers } = await register(gw, 'ada', ada)
  await node.roles.grant(keyOf(ada), 'creator')
  const now = Date.now()
  const tier = async (patch: Partial<EntitlementPayload> = {}, signer = bridge): Promise<string> => toBase64url(await sealEntitlement({
    v: 1, id: newId(), kind: 'tier', subject: keyOf(ada), tier: 'FAN', notBefore: now - DAY, notAfter: now + 30 * DAY, ref: 'stripe:sub_guard', ...patch
  }, signer))
  /** Start a tus upload of 10 bytes; the answer's status and problem code. */
  const start = async (extra: Record<string, string> = {}, login = true): Promise<{ status: number, code?: string, detail?: string }> => {
    const res = await fetch(`${gw}/api/v1/uploads`, {
      method: 'POST',
      headers: { ...(login ? headers : { 'x-csrf-token': headers['x-csrf-token'], cookie: headers.cookie.split('; ').filter(c => !c.startsWith('mhc_access=')).join('; ') }), 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': `filetype ${Buffer.from('video/mp4').toString('base64')}`, ...extra }
    })
    const text = await res.text()
    const body = res.status >= 400 ? JSON.parse(text) as { code?: string, detail?: string } : {}
    return { status: res.status, ...body }
  }

  t.test('without an entitlement: 402 MHC_ERR_ENTITLEMENT_REQUIRED, naming the tier', async t => {
    const res = await start()
    t.equal(res.status, 402)
    t.equal(res.code, 'MHC_ERR_ENTITLEMENT_REQUIRED')
    t.match(res.detail, /FAN/)
  })

  t.test('without a login: 401', async t => {
    t.equal((await start({ [ENTITLEMENT_HEADER]: await tier() }, false)).status, 401)
  })

  t.test('with a FAN tier entitlement presented in the header: the upload starts', async t => {
    t.equal((await start({ [ENTITLEMENT_HEADER]: await tier() })).status, 201)
    t.equal((await start({ [ENTITLEMENT_HEADER]: `not-an-entitlement, ${await tier({ tier: 'STUDIO' })}` })).status, 201, 'a bad one beside a good one does not spoil it')
  })

  t.test('presented entitlements that do not count: another subject, an unknown bridge, expired, a subscription, revoked', async t => {
    const cases: Array<[string, string]> = [
      ['another key\'s', await tier({ subject: keyOf(randomSigner()) })],
      ['an unknown bridge\'s', await tier({}, randomSigner())],
      ['expired', await tier({ notBefore: now - 60 * DAY, notAfter: now - 30 * DAY })],
      ['a subscription to a creator is not a tier', await tier({ kind: 'subscription', creator: keyOf(randomSigner()) })],
      ['tampered', (await tier()).replace(/.$/, c => c === 'A' ? 'B' : 'A')]
    ]
    for (const [what, value] of cases) {
      const res = await start({ [ENTITLEMENT_HEADER]: value })
      t.equal(res.status, 402, what)
      t.equal(res.code, 'MHC_ERR_ENTITLEMENT_REQUIRED', what)
    }
    const id = newId()
    const revoked = await tier({ id })
    await node.entitlements.revoke(await sealRevocation({ v: 1, entitlement: id, reason: 'dispute', at: now, notAfter: now + 30 * DAY }, bridge))
    const res = await start({ [ENTITLEMENT_HEADER]: revoked })
    t.equal(res.status, 402, 'revoked')
    t.match(res.detail, /MHC_ERR_ENTITLEMENT_REVOKED/, 'the refusal says why the presented one did not count')
  })

  t.test('an entitlement the node keeps for one of the account\'s keys counts without being presented', async t => {
    await node.entitlements.add(Buffer.from(await tier({ tier: 'PRO' }), 'base64url'))
    t.equal((await start()).status, 201)
  })
})
