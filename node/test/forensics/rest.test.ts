import { generateKeyPair } from '@libp2p/crypto/keys'
import { parseNote, parseVerifierKey, toBase64url, verifyNote } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { keySigner } from '../../src/p2p/signer.js'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { register } from '../helpers/accounts.js'

t.test('/api/v1/forensics serves operators and refuses everyone else', async t => {
  const node = await startInProcessNode({ gateway: true })
  t.teardown(async () => { await node.destroy() })
  const gw = node.gateway?.url ?? ''
  const viewerKey = keySigner(await generateKeyPair('Ed25519'))
  const modKey = keySigner(await generateKeyPair('Ed25519'))
  const adminKey = keySigner(await generateKeyPair('Ed25519'))
  const viewer = await register(gw, 'viewer1', viewerKey)
  const moderator = await register(gw, 'moderator1', modKey)
  const admin = await register(gw, 'admin1', adminKey)
  await node.roles.grant(toBase64url(modKey.publicKey), 'moderator')
  await node.roles.grant(toBase64url(adminKey.publicKey), 'admin')
  for (let i = 0; i < 5; i++) await node.forensics.append({ type: 'admin', actor: toBase64url(adminKey.publicKey), subject: `account:${i}`, reason: `note ${i}` })

  const get = async (path: string, cookie?: string): Promise<Response> => await fetch(`${gw}/api/v1/forensics/${path}`, { headers: cookie === undefined ? {} : { cookie } })

  for (const path of ['entries', 'checkpoint', 'proof/0']) {
    t.equal((await get(path)).status, 401, `${path} without a login: 401`)
    const refused = await get(path, viewer.access)
    t.equal(refused.status, 403, `${path} for an account with no operator role: 403`)
    t.match(await refused.json(), { code: 'MHC_ERR_FORBIDDEN' })
    t.equal((await get(path, moderator.access)).status, 200, `${path} for a moderator: 200`)
    t.equal((await get(path, admin.access)).status, 200, `${path} for an admin: 200`)
  }

  const all = await (await get('entries', admin.access)).json() as { items: Array<{ index: number, type: string, actor: string }>, next: string | null }
  t.same(all.items.map(e => e.type), ['role', 'role', 'admin', 'admin', 'admin', 'admin', 'admin'], 'the role grants and the admin entries, in order')
  t.equal(all.next, null)
  const page = await (await get('entries?limit=3', admin.access)).json() as { items: Array<{ index: number }>, next: string | null }
  t.same(page.items.map(e => e.index), [0, 1, 2])
  t.equal(page.next, '3', 'a cursor to the next page')
  const next = await (await get(`entries?limit=3&cursor=${page.next}`, admin.access)).json() as { items: Array<{ index: number }> }
  t.same(next.items.map(e => e.index), [3, 4, 5])
  const roles = await (await get('entries?type=role', admin.access)).json() as { items: Array<{ index: number }> }
  t.same(roles.items.map(e => e.index), [0, 1], 'filter by type')
  const byActor = await (await get(`entries?actor=${toBase64url(adminKey.publicKey)}`, admin.access)).json() as { items: Array<{ index: number }> }
  t.same(byActor.items.map(e => e.index), [2, 3, 4, 5, 6], 'filter by actor')
  const future = await (await get(`entries?since=${Date.now() + 3_600_000}`, admin.access)).json() as { items: unknown[] }
  t.same(future.items, [], 'filter by time')
  t.equal((await get('entries?type=nonsense', admin.access)).status, 400, 'a bad filter: 400')
  t.equal((await get('entries?cursor=-1', admin.access)).status, 400, 'a bad cursor: 400')

  const cp = await (await get('checkpoint', moderator.access)).json() as { size: number, note: string }
  t.equal(cp.size, 7)
  t.equal((await verifyNote(parseNote(cp.note), [parseVerifierKey(node.forensics.vkey)])).length, 1, 'the checkpoint verifies with the node\'s vkey')
  const proof = await (await get('proof/4', moderator.access)).json() as { index: number, size: number }
  t.match(proof, { index: 4, size: 7 })
  t.equal((await get('proof/99', moderator.access)).status, 404, 'no proof of an entry that is not there')
  t.equal((await get('proof/x', moderator.access)).status, 400)

  // The entries are replicated, in order, to the node's OrbitDB events log (for peers and witnesses).
  t.match(node.forensics.replicaAddress, /^\/orbitdb\//, 'the replica has an OrbitDB address for peers')
  const replica = await node.p2p.orbitdb.open('mhc-forensics', { type: 'events' })
  const replicated = await eventually(async () => {
    const all = await replica.all()
    return all.length === 7 ? all : undefined
  }, { what: 'the OrbitDB replica holding the 7 entries' })
  const values = replicated.map(r => r.value as { index: number, entry: Uint8Array })
  t.same(values.map(v => v.index).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6], 'every entry once')
  t.same(values.find(v => v.index === 4)?.entry, await node.forensics.entryBytes(4), 'the replica holds the stored entry bytes')
})
