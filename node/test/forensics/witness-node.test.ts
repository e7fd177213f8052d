import { readFile, } from 'node:fs/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { ConfigInvalidError, cosignatureVerifierKey, forensicOrigin, isMhcError, parseNote, parseVerifierKey, verifierKey, verifyNote } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { defaultConfig, validateConfig } from '../../src/config.js'
import { makeRepo, mhc, removeRepo } from '../../src/testing/daemon-process.js'
import { ACTOR } from './log-helpers.js'
import { witnessedLog } from './witnessed.js'

t.test('a witness node cosigns another node\'s checkpoints over HTTP, and the log serves them cosigned', async t => {
  const { node, wnode, cosigner, origin, vkey } = await witnessedLog(t)
  const daemonJson = JSON.parse(await readFile(wnode.repo.paths.daemon, 'utf8')) as { witness?: string }
  t.equal(daemonJson.witness, cosigner.url, 'the bound witness URL is in daemon.json')
  t.match(cosigner.url, /^http:\/\/127\.0\.0\.1:[1-9][0-9]*$/)
  const wkey = wnode.repo.privateKey.publicKey.raw
  t.equal(cosigner.vkey, cosignatureVerifierKey(forensicOrigin(wkey), wkey), 'it cosigns as its own origin, with its node key (what `mhc forensics witness-vkey` prints)')


  for (let i = 0; i < 4; i++) await node.forensics.append({ type: 'admin', actor: ACTOR, subject: `account:${i}`, reason: `entry ${i}` })
  await node.forensics.checkpoint()
  const verifiers = [parseVerifierKey(vkey), parseVerifierKey(cosigner.vkey)]
  const token = (await readFile(node.repo.paths.token, 'utf8')).trim()
  const served = async (): Promise<{ size: number, note: string }> => {
    const res = await fetch(`${node.api.url}/v1/forensics/checkpoint`, { headers: { authorization: `Bearer ${token}` } })
    return await res.json() as { size: number, note: string }
  }
  const cp = await eventually(async () => {
    const c = await served()
    return c.size === 4 && parseNote(c.note).signatures.length === 2 ? c : undefined
  }, { what: 'the cosigned checkpoint at size 4' })
  t.equal((await verifyNote(parseNote(cp.note), verifiers)).length, 2, 'GET /v1/forensics/checkpoint carries the witness\'s cosignature; it verifies with both vkeys')

  for (let i = 4; i < 9; i++) await node.forensics.append({ type: 'admin', actor: ACTOR, subject: `account:${i}`, reason: `entry ${i}` })
  await node.forensics.checkpoint()
  const later = await eventually(async () => {
    const c = await served()
    return c.size === 9 && parseNote(c.note).signatures.length === 2 ? c : undefined
  }, { what: 'the cosigned checkpoint at size 9' })
  t.equal((await verifyNote(parseNote(later.note), verifiers)).length, 2, 'the next checkpoint is cosigned too (sent with a consistency proof from 4)')
  t.equal((await cosigner.latest(origin))?.size, 9, 'the witness holds 9')
  t.same(node.witnesses.witnesses().map(w => ({ cosigned: w.cosigned, error: w.error })), [{ cosigned: 9, error: null }])
})

t.test('the witness settings are checked at start', async t => {
  const base = defaultConfig()
  const bad = (value: unknown, what: string): void => {
    try {
      validateConfig({ ...base, ...(value as object) })
      t.fail(`${what}: accepted`)
    } catch (err) {
      t.ok(isMhcError(err, ConfigInvalidError.code), `${what}: ${(err as Error).message}`)
    }
  }
  const k = (await generateKeyPair('Ed25519')).publicKey.raw
  const origin = forensicOrigin(k)
  const ed = verifierKey(origin, k)
  const co = cosignatureVerifierKey(origin, k)
  t.doesNotThrow(() => validateConfig({ ...base, witness: '127.0.0.1:0', witnessLogs: [{ origin, vkey: ed }], witnesses: [{ url: 'http://127.0.0.1:7380', vkey: co }] }), 'a valid witness config')
  bad({ witness: 'nowhere' }, 'a witness address without a port')
  bad({ witnessLogs: [{ origin, vkey: 'nonsense' }] }, 'a log vkey that does not parse')
  bad({ witnessLogs: [{ origin, vkey: co }] }, 'a cosignature key where the log\'s Ed25519 key belongs')
  bad({ witnessLogs: [{ origin: 'example.com/other', vkey: ed }] }, 'a log vkey named other than its origin')
  bad({ witnesses: [{ url: 'http://127.0.0.1:7380', vkey: ed }] }, 'a witness vkey that is not a cosignature key')
  bad({ witnesses: [{ url: 'ftp://x', vkey: co }] }, 'a witness URL that is not http(s)')
  bad({ witnesses: [{ url: 'http://x', vkey: co, extra: 1 }] }, 'an unknown field')
})

t.test('mhc forensics witness-vkey prints the cosignature key the node witnesses with, daemon or not', async t => {
  const repo = await makeRepo()
  t.teardown(async () => { await removeRepo(repo) })
  const text = await mhc(['forensics', 'witness-vkey', '--repo', repo])
  t.equal(text.code, 0, text.stderr)
  const json = await mhc(['forensics', 'witness-vkey', '--json', '--repo', repo])
  t.equal(json.code, 0, json.stderr)
  const v = JSON.parse(json.stdout) as { name: string, vkey: string }
  t.same(Object.keys(v).sort(), ['name', 'vkey'])
  t.equal(text.stdout, `${v.vkey}\n`)
  const parsed = parseVerifierKey(v.vkey)
  t.equal(parsed.kind, 'cosignature/v1')
  t.equal(parsed.name, v.name)
  t.equal(v.name, forensicOrigin(parsed.publicKey), 'named as the node\'s own log origin')
})
