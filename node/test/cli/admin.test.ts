import { type Me, toBase64url } from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import { removeRepo, startDaemon } from '../../src/testing/daemon-process.js'
import { register } from '../helpers/accounts.js'

// `mhc admin` against a real daemon, and what its gateway's accounts make of the roles.
t.test('mhc admin grant, revoke, ls', async t => {
  const d = await startDaemon({ gateway: true })
  t.teardown(async () => { await d.stop(); await removeRepo(d.repo) })
  const gw = d.info.gateway ?? ''
  // A key whose base64url starts with '-', as one in 64 do: the CLI must take it as the key, not an option.
  let sk = ed25519.utils.randomSecretKey()
  for (let i = 0; i < 10_000 && !toBase64url(ed25519.getPublicKey(sk)).startsWith('-'); i++) sk = ed25519.utils.randomSecretKey()
  const publicKey = ed25519.getPublicKey(sk)
  const key = toBase64url(publicKey)

  // A person registers on the gateway with their browser key (as the web app does).
  const { access } = await register(gw, 'ada', { publicKey, sign: d => ed25519.sign(d, sk) })
  const me = async (): Promise<Me> => await (await fetch(`${gw}/api/v1/me`, { headers: { cookie: access } })).json() as Me

  t.test('the first account is not an admin: the operator grants roles from the CLI', async t => {
    t.same((await me()).roles, ['viewer'])
    const res = await d.cli(['admin', 'grant', key, 'admin'])
    t.equal(res.code, 0, res.stderr)
    t.match(res.stderr, /granted admin to/)
    t.same((await me()).roles, ['viewer', 'admin'], 'the account holds its key\'s role at once')
    t.equal((await fetch(`${gw}/api/v1/admin/accounts`, { headers: { cookie: access } })).status, 200, 'and may list accounts')
  })

  t.test('ls --json lists each key with its roles; revoke takes one away', async t => {
    await d.cli(['admin', 'grant', key, 'creator'])
    t.same(JSON.parse((await d.cli(['admin', 'ls', '--json'])).stdout), [{ key, roles: ['creator', 'admin'] }])
    t.match((await d.cli(['admin', 'ls'])).stdout, `${key}  creator, admin`)
    t.equal((await d.cli(['admin', 'revoke', key, 'admin'])).code, 0)
    t.same((await me()).roles, ['viewer', 'creator'])
  })

  t.test('a key that looks like options (-h…, -V…) is still a key', async t => {
    for (const odd of [`-h${'A'.repeat(41)}`, `-V${'b'.repeat(41)}`, `--${'c'.repeat(41)}`]) {
      const res = await d.cli(['admin', 'grant', odd, 'moderator', '--json'])
      t.equal(res.code, 0, res.stderr)
      t.same(JSON.parse(res.stdout), { key: odd, role: 'moderator' })
      t.equal((await d.cli(['mute', odd])).code, 0, `mute ${odd}`)
    }
    const listed = JSON.parse((await d.cli(['admin', 'ls', '--json'])).stdout) as Array<{ key: string }>
    t.ok(listed.some(e => e.key === `-h${'A'.repeat(41)}`))
    t.ok((JSON.parse((await d.cli(['mute', 'ls', '--json'])).stdout) as string[]).includes(`--${'c'.repeat(41)}`))
  })

  t.test('an unknown role is refused with its code', async t => {
    const res = await d.cli(['admin', 'grant', key, 'root', '--json'])
    t.not(res.code, 0)
    t.match(res.stdout + res.stderr, /MHC_ERR_WIRE_FORMAT/)
  })
})
