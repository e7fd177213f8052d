/** `/api/v1/forensics/exports` and `/verify`: operators make, list and download evidence bundles, and upload one to verify. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { type ForensicBundleReport, type ForensicExport, toBase64url } from '@mhc/protocols'
import { PDFDocument } from 'pdf-lib'
import t from 'tap'
import { verifyBundle } from '../../src/forensics/bundle.js'
import { keySigner } from '../../src/p2p/signer.js'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { register } from '../helpers/accounts.js'

t.test('operators make, list and download exports, and verify uploaded bundles; nobody else can', async t => {
  const node = await startInProcessNode({ gateway: true })
  t.teardown(async () => { await node.destroy() })
  const gw = node.gateway?.url ?? ''
  const viewerKey = keySigner(await generateKeyPair('Ed25519'))
  const modKey = keySigner(await generateKeyPair('Ed25519'))
  const viewer = await register(gw, 'viewer2', viewerKey)
  const moderator = await register(gw, 'moderator2', modKey)
  await node.roles.grant(toBase64url(modKey.publicKey), 'moderator')
  for (let i = 0; i < 4; i++) await node.forensics.append({ type: 'takedown', actor: toBase64url(modKey.publicKey), subject: `account:u${i}`, reason: `rule 3 & "spam" ${i} <` })
  const api = `${gw}/api/v1/forensics`
  const post = async (path: string, body: unknown, headers: Record<string, string>): Promise<Response> =>
    await fetch(`${api}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

  t.equal((await post('exports', {}, {})).status, 403, 'no CSRF token: refused before anything else')
  t.equal((await post('exports', {}, viewer.headers)).status, 403, 'an account without an operator role: 403')
  t.equal((await post('exports', { from: 'x' }, moderator.headers)).status, 400, 'a bad range: 400')
  t.equal((await post('exports', { from: 50 }, moderator.headers)).status, 422, 'a range past the end: 422')
  const made = await post('exports', { from: 1 }, moderator.headers)
  t.equal(made.status, 200)
  const ex = await made.json() as ForensicExport
  t.match(ex, { from: 1, to: 5, size: 5, id: /^[a-z0-9]+$/ })

  const list = await (await fetch(`${api}/exports`, { headers: { cookie: moderator.access } })).json() as { items: ForensicExport[] }
  t.same(list.items, [ex], 'listed')
  t.equal((await fetch(`${api}/exports`, { headers: { cookie: viewer.access } })).status, 403)

  const car = await fetch(`${api}/exports/${ex.id}`, { headers: { cookie: moderator.access } })
  t.equal(car.status, 200)
  t.equal(car.headers.get('content-type'), 'application/vnd.ipld.car')
  t.match(car.headers.get('content-disposition'), /attachment/)
  const bytes = new Uint8Array(await car.arrayBuffer()) as Uint8Array<ArrayBuffer>
  t.equal(bytes.byteLength, ex.bytes)
  t.match(await verifyBundle(bytes), { ok: true, from: 1, to: 5, bundle: ex.root }, 'the download verifies')

  const pdf = await fetch(`${api}/exports/${ex.id}/report.pdf`, { headers: { cookie: moderator.access } })
  t.equal(pdf.headers.get('content-type'), 'application/pdf')
  t.ok((await PDFDocument.load(new Uint8Array(await pdf.arrayBuffer()))).getPageCount() >= 1, 'the PDF opens')
  const html = await fetch(`${api}/exports/${ex.id}/report.html`, { headers: { cookie: moderator.access } })
  t.match(html.headers.get('content-type'), /^text\/html/)
  t.match(html.headers.get('content-security-policy'), /default-src 'none'.*sandbox/)
  t.match(await html.text(), /rule 3 &amp; &quot;spam&quot; 2 &lt;/)
  t.equal((await fetch(`${api}/exports/nope/report.pdf`, { headers: { cookie: moderator.access } })).status, 404)
  t.equal((await fetch(`${api}/exports/${ex.id}`, { headers: { cookie: viewer.access } })).status, 403)

  const upload = async (body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = moderator.headers): Promise<Response> =>
    await fetch(`${api}/verify`, { method: 'POST', headers: { 'content-type': 'application/vnd.ipld.car', ...headers }, body })
  const good = await upload(bytes)
  t.equal(good.status, 200)
  t.match(await good.json() as ForensicBundleReport, { ok: true, bundle: ex.root })
  const cut = await upload(bytes.subarray(0, bytes.byteLength - 10))
  t.match(await cut.json(), { ok: false, index: null, reason: 'truncated' })
  t.equal((await upload(bytes, viewer.headers)).status, 403)
  t.equal((await upload(bytes, { cookie: moderator.access })).status, 403, 'no CSRF token')
  const huge = await upload(new Uint8Array(64 * 1024 * 1024 + 1))
  t.equal(huge.status, 413)
  t.match(await huge.json(), { code: 'MHC_ERR_FORENSICS_BUNDLE_TOO_LARGE' })
  t.match(await (await upload(new Uint8Array())).json(), { ok: false }, 'an empty body: a report, not a crash')

  const doc = await (await fetch(`${gw}/api/docs`)).json() as { paths: Record<string, unknown> }
  for (const path of ['/api/v1/forensics/exports', '/api/v1/forensics/exports/{id}', '/api/v1/forensics/exports/{id}/report.pdf', '/api/v1/forensics/verify']) {
    t.ok(doc.paths[path] !== undefined, `${path} is in the OpenAPI document`)
  }
})
