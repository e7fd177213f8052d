import { join } from 'node:path'
import { parseCheckpoint, parseNote, parseVerifierKey, verifyInclusion, verifyNote } from '@mhc/protocols'
import { Level } from 'level'
import t from 'tap'
import { entryKey } from '../../src/forensics/store.js'
import { MODERATOR, publishedDaemon } from './published.js'

const fromB64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))
const lines = (stdout: string): Array<Record<string, unknown>> => stdout.trim().split('\n').filter(l => l !== '').map(l => JSON.parse(l) as Record<string, unknown>)

t.test('mhc forensics: a publish and a role change are logged, checkpointed, proved and verified', async t => {
  const { repo, d, me, manifest, stop } = await publishedDaemon(t, 'Evidence clip')

  const log = await d.cli(['forensics', 'log', '--json'])
  t.equal(log.code, 0, log.stderr)
  const entries = lines(log.stdout)
  t.same(entries.map(e => Object.keys(e).sort()), entries.map(() => ['actor', 'hash', 'index', 'reason', 'subject', 'ts', 'type']), 'each line has exactly the documented fields')
  t.match(entries[0], { index: 0, type: 'publish', actor: me.publicKey, subject: manifest, reason: 'Evidence clip' }, 'the publish is logged: the node key published the manifest')
  t.match(entries[1], { index: 1, type: 'role', actor: me.publicKey, subject: MODERATOR, reason: 'grant moderator' }, 'the role grant is logged')
  t.same(lines((await d.cli(['forensics', 'log', '--json', '--type', 'role'])).stdout).map(e => e.index), [1], '--type filters')
  t.same(lines((await d.cli(['forensics', 'log', '--json', '--from', '1'])).stdout).map(e => e.index), [1], '--from starts later')
  const table = await d.cli(['forensics', 'log'])
  t.match(table.stdout, /grant moderator/, 'a table for people without --json')
  t.equal((await d.cli(['forensics', 'log', '--type', 'nonsense'])).code, 2, 'an unknown type is a usage error')

  const vkey = (await d.cli(['forensics', 'vkey'])).stdout.trim()
  t.match(vkey, new RegExp(`^mhc\\.local/forensics/${me.publicKey}\\+[0-9a-f]{8}\\+[A-Za-z0-9+/=]+$`), 'the verifier key string: origin (the node key), key id, key')
  const cpRes = await d.cli(['forensics', 'checkpoint', '--json'])
  t.equal(cpRes.code, 0, cpRes.stderr)
  const cp = JSON.parse(cpRes.stdout) as { origin: string, size: number, root: string, note: string }
  t.same(Object.keys(cp).sort(), ['note', 'origin', 'root', 'size'])
  t.equal(cp.size, 2)
  t.equal((await verifyNote(parseNote(cp.note), [parseVerifierKey(vkey)])).length, 1, 'the checkpoint verifies with the vkey')
  t.equal((await d.cli(['forensics', 'checkpoint'])).stdout, cp.note, 'without --json: the signed note text')

  const proved = await d.cli(['forensics', 'prove', '1', '--json'])
  t.equal(proved.code, 0, proved.stderr)
  const p = JSON.parse(proved.stdout) as { index: number, size: number, leafHash: string, proof: string[], checkpoint: string }
  t.same(Object.keys(p).sort(), ['checkpoint', 'index', 'leafHash', 'proof', 'size'])
  t.equal(p.leafHash, entries[1]?.hash)
  t.doesNotThrow(() => { verifyInclusion(fromB64(p.leafHash), 1, p.size, p.proof.map(fromB64), parseCheckpoint(parseNote(p.checkpoint).body).root) }, 'the proof verifies against its checkpoint')
  t.equal((await d.cli(['forensics', 'prove', '7'])).code, 1, 'no proof for an entry that is not there')

  const viaApi = await d.cli(['forensics', 'verify', '--local', '--json'])
  t.equal(viaApi.code, 0, viaApi.stderr)
  t.match(JSON.parse(viaApi.stdout), { ok: true, size: 2 }, 'verify --local through the running daemon')
  t.equal((await d.cli(['forensics', 'verify'])).code, 2, 'verify with nothing to verify is a usage error')

  await stop()
  const offline = await d.cli(['forensics', 'verify', '--local'])
  t.equal(offline.code, 0, offline.stderr)
  t.match(offline.stderr, /intact: 2 entries/, 'verify --local with the daemon stopped opens the repo itself')

  const db = new Level<string, Uint8Array>(join(repo, 'forensics'), { valueEncoding: 'view' })
  const original = await db.get(entryKey(0)) as Uint8Array
  const flipped = Uint8Array.from(original)
  const at = Buffer.from(flipped).indexOf('Evidence')
  flipped[at] = (flipped[at] as number) ^ 0x20
  await db.put(entryKey(0), flipped)
  await db.close()
  const bad = await d.cli(['forensics', 'verify', '--local'])
  t.equal(bad.code, 1, 'a byte flipped in a stored entry: exit 1')
  t.match(bad.stderr, /MHC_ERR_FORENSICS_ENTRY: entry 0: bad-signature/, 'naming the entry and why')

  const db2 = new Level<string, Uint8Array>(join(repo, 'forensics'), { valueEncoding: 'view' })
  await db2.put(entryKey(0), original)
  await db2.del(entryKey(1))
  await db2.close()
  const removed = await d.cli(['forensics', 'verify', '--local', '--json'])
  t.equal(removed.code, 1, 'an entry removed: exit 1')
  t.match(JSON.parse(removed.stdout), { error: { code: 'MHC_ERR_FORENSICS_ENTRY', message: /^entry 1: missing/ } })
})

t.test('every forensics verb has help with an example', async t => {
  const { mhc } = await import('../../src/testing/daemon-process.js')
  for (const verb of ['log', 'checkpoint', 'vkey', 'prove', 'verify']) {
    const res = await mhc(['forensics', verb, '--help'])
    t.equal(res.code, 0)
    t.match(res.stdout, /Example:\n {2}mhc forensics/, `${verb} --help ends with an example`)
  }
})
