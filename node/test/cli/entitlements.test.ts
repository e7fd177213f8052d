import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type EntitlementPayload, type EntitlementView, sealEntitlement, toBase64url } from '@mhc/protocols'
import t from 'tap'
import { loadBridgeSigner } from '../../src/money/index.js'
import { makeRepo, mhc, removeRepo, startDaemon } from '../../src/testing/daemon-process.js'

const DAY = 86_400_000
const errorCode = (stdout: string): string | undefined => (JSON.parse(stdout) as { error?: { code?: string } }).error?.code
const SUBJECT = 'gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q'
const CREATOR = '7UkoxijRwsbq6QM4kFmVYSlZJzpcY_k2NsFGFKyHN9E'

t.test('mhc bridge keygen, mhc entitlements verify and ls', async t => {
  const repo = await makeRepo('mhc-money-cli-')
  t.teardown(async () => removeRepo(repo))
  const work = join(repo, '..')

  t.test('every new verb has help that ends with an example, and help exits 0', async t => {
    for (const args of [['bridge'], ['bridge', 'keygen'], ['entitlements'], ['entitlements', 'ls'], ['entitlements', 'verify']]) {
      const res = await mhc([...args, '--help'])
      t.equal(res.code, 0, `${args.join(' ')} --help exits 0`)
      t.match(res.stdout.trimEnd(), /Example:\n {2}mhc .+$/, `${args.join(' ')} --help ends with an example`)
    }
  })

  t.test('keygen writes the bridge key (mode 0600), prints its public key, and refuses to overwrite without --force', async t => {
    const first = await mhc(['bridge', 'keygen', '--repo', repo])
    t.equal(first.code, 0, first.stderr)
    t.match(first.stdout.trim(), /^[A-Za-z0-9_-]{43}$/)
    const signer = await loadBridgeSigner(repo)
    t.equal(toBase64url(signer.publicKey), first.stdout.trim(), 'the printed key is the kept key\'s')
    const again = await mhc(['bridge', 'keygen', '--repo', repo])
    t.equal(again.code, 1)
    t.match(again.stderr, /^error MHC_ERR_OUTPUT_EXISTS: .*--force/)
    t.equal(toBase64url((await loadBridgeSigner(repo)).publicKey), first.stdout.trim(), 'the key is untouched')
    const forced = await mhc(['bridge', 'keygen', '--repo', repo, '--force'])
    t.equal(forced.code, 0)
    t.not(forced.stdout.trim(), first.stdout.trim(), 'a new key')
    const { stat } = await import('node:fs/promises')
    t.equal((await stat(join(repo, 'keys', 'bridge.key'))).mode & 0o777, 0o600)
    t.equal((await mhc(['bridge', 'keygen', '--repo', join(work, 'nowhere')])).code, 1, 'no repo: exit 1')
  })

  const now = Date.now()
  const payload = (patch: Partial<EntitlementPayload> = {}): EntitlementPayload => ({
    v: 1, id: `cli${String(Math.floor(Math.random() * 1e15)).padStart(19, '0')}`, kind: 'subscription', subject: SUBJECT, creator: CREATOR, tier: 'FAN', notBefore: now - DAY, notAfter: now + 30 * DAY, ref: 'stripe:sub_cli', ...patch
  })

  t.test('verify FILE: exit 0 when valid, 1 with the reason', async t => {
    const signer = await loadBridgeSigner(repo)
    const key = toBase64url(signer.publicKey)
    const good = join(work, 'good.entitlement')
    await writeFile(good, await sealEntitlement(payload(), signer))
    const env = { MHC_BRIDGE_KEYS: key }
    const ok = await mhc(['entitlements', 'verify', good, '--repo', repo], { env })
    t.equal(ok.code, 0, ok.stderr)
    t.match(ok.stdout, /subscription FAN {2}valid/)
    t.match(ok.stdout, new RegExp(`subject {2}${SUBJECT}`))
    const text = join(work, 'good.b64')
    await writeFile(text, `${toBase64url(await readFile(good))}\n`)
    t.equal((await mhc(['entitlements', 'verify', text, '--repo', repo], { env })).code, 0, 'base64url text works too')
    const hex = join(work, 'good.hex')
    await writeFile(hex, Buffer.from(await readFile(good)).toString('hex'))
    t.equal((await mhc(['entitlements', 'verify', hex, '--repo', repo], { env })).code, 0, 'and hex')

    const bad: Array<[string, Uint8Array | string, string, NodeJS.ProcessEnv]> = [
      ['no bridge key trusted', await readFile(good), 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY', {}],
      ['expired', await sealEntitlement(payload({ notBefore: now - 60 * DAY, notAfter: now - 30 * DAY }), signer), 'MHC_ERR_ENTITLEMENT_EXPIRED', env],
      ['not yet valid', await sealEntitlement(payload({ notBefore: now + DAY, notAfter: now + 30 * DAY }), signer), 'MHC_ERR_ENTITLEMENT_NOT_YET_VALID', env],
      ['not an entitlement', 'hello', 'MHC_ERR_WIRE_FORMAT', env],
      ['a bad MHC_BRIDGE_KEYS', await readFile(good), 'MHC_ERR_CONFIG_INVALID', { MHC_BRIDGE_KEYS: 'nope' }]
    ]
    for (const [what, bytes, code, e] of bad) {
      const file = join(work, 'bad.entitlement')
      await writeFile(file, bytes)
      const res = await mhc(['entitlements', 'verify', file, '--repo', repo], { env: { MHC_BRIDGE_KEYS: '', ...e } })
      t.equal(res.code, 1, what)
      t.match(res.stderr, new RegExp(`^error ${code}: `), `${what}: ${res.stderr.trim()}`)
      t.equal(res.stdout, '', `${what}: nothing on stdout`)
    }
    t.equal((await mhc(['entitlements', 'verify', join(work, 'missing'), '--repo', repo], { env })).code, 1, 'a missing file')
    t.equal((await mhc(['entitlements', 'verify', '--repo', repo], { env })).code, 2, 'no FILE: usage error')
  })

  t.test('ls [--subject KEY] [--json] shows what the daemon keeps, with its state', async t => {
    const signer = await loadBridgeSigner(repo)
    const config = JSON.parse(await readFile(join(repo, 'config.json'), 'utf8')) as Record<string, unknown>
    await writeFile(join(repo, 'config.json'), JSON.stringify({ ...config, bridgeKeys: [toBase64url(signer.publicKey)] }))
    const d = await startDaemon({ repo })
    t.teardown(async () => { await d.stop() })
    const empty = await d.cli(['entitlements', 'ls', '--json'])
    t.same(JSON.parse(empty.stdout), [])
    t.equal((await d.cli(['entitlements', 'ls'])).stdout.trim(), 'no entitlements')
    const token = (await readFile(join(repo, 'api.token'), 'utf8')).trim()
    const mine = payload()
    const theirs = payload({ subject: CREATOR, creator: SUBJECT })
    for (const p of [mine, theirs]) {
      const res = await fetch(`${d.info.api}/v1/entitlements`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ entitlement: toBase64url(await sealEntitlement(p, signer)) })
      })
      t.equal(res.status, 200, await res.text())
    }
    const all = JSON.parse((await d.cli(['entitlements', 'ls', '--json'])).stdout) as EntitlementView[]
    t.same(all.map(v => v.id).sort(), [mine.id, theirs.id].sort())
    const res = await d.cli(['entitlements', 'ls', '--subject', SUBJECT, '--json'])
    t.equal(res.stdout.trim().split('\n').length, 1, 'one JSON document')
    const list = JSON.parse(res.stdout) as EntitlementView[]
    t.equal(list.length, 1)
    t.same(Object.keys(list[0] ?? {}), ['id', 'kind', 'subject', 'creator', 'tier', 'amount', 'currency', 'video', 'notBefore', 'notAfter', 'ref', 'bridge', 'status', 'entitlement'])
    t.match(list[0], { id: mine.id, kind: 'subscription', subject: SUBJECT, creator: CREATOR, tier: 'FAN', amount: null, status: 'valid', bridge: toBase64url(signer.publicKey) })
    const file = join(work, 'from-ls.txt')
    await writeFile(file, list[0]?.entitlement ?? '')
    t.equal((await mhc(['entitlements', 'verify', file, '--repo', repo])).code, 0, 'what ls prints verifies offline (the repo\'s config trusts the bridge)')
    const people = await d.cli(['entitlements', 'ls', '--subject', SUBJECT])
    t.match(people.stdout, new RegExp(`^${mine.id} {2}subscription FAN {2}valid$`, 'm'))
    const badSubject = await d.cli(['entitlements', 'ls', '--subject', 'nope', '--json'])
    t.equal(badSubject.code, 1)
    t.equal(errorCode(badSubject.stdout), 'MHC_ERR_WIRE_FORMAT')
  })
})
