/**
 * `mhc keys delegate`, `delegations`, `revoke-delegation` against a real
 * daemon (docs/cli.md § mhc keys). The hand-over itself, between two nodes,
 * is node/test/money/delegation.test.ts.
 */
import type { KeyDelegationView } from '@mhc/protocols'
import t from 'tap'
import { makeRepo, mhc, removeRepo, startDaemon } from '../../src/testing/daemon-process.js'

const errorCode = (stdout: string): string | undefined => (JSON.parse(stdout) as { error?: { code?: string } }).error?.code
// A node key nobody runs here: the hand-over cannot reach it now.
const AWAY = 'gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q'

t.test('mhc keys', async t => {
  const repo = await makeRepo('mhc-keys-cli-')
  t.teardown(async () => removeRepo(repo))

  t.test('every verb has help that ends with an example', async t => {
    for (const args of [['keys'], ['keys', 'delegate'], ['keys', 'delegations'], ['keys', 'revoke-delegation']]) {
      const res = await mhc([...args, '--help'])
      t.equal(res.code, 0, `${args.join(' ')} --help exits 0`)
      t.match(res.stdout.trimEnd(), /Example:\n {2}mhc .+$/, `${args.join(' ')} --help ends with an example`)
    }
  })

  t.test('usage errors exit 2', async t => {
    t.equal((await mhc(['keys', 'delegate', AWAY, '--days', '0', '--repo', repo])).code, 2, '--days 0')
    t.equal((await mhc(['keys', 'delegate', AWAY, '--days', 'ten', '--repo', repo])).code, 2, '--days not a number')
    t.equal((await mhc(['keys', 'delegate', '--repo', repo])).code, 2, 'no node key')
  })

  t.test('with a daemon: delegate, list, revoke', async t => {
    const d = await startDaemon({ repo })
    t.teardown(async () => { await d.stop() })
    const none = await mhc(['keys', 'delegations', '--json', '--repo', repo])
    t.equal(none.code, 0, none.stderr)
    t.same(JSON.parse(none.stdout), [])
    t.equal((await mhc(['keys', 'delegations', '--repo', repo])).stdout.trim(), 'no delegations')

    const given = await mhc(['keys', 'delegate', AWAY, '--days', '2', '--json', '--repo', repo])
    t.equal(given.code, 0, given.stderr)
    const v = JSON.parse(given.stdout) as KeyDelegationView
    t.match(v, { direction: 'given', node: AWAY, kind: 'grant', status: 'in-force', keys: 0, delivered: false })
    t.equal((v.notAfter ?? 0) - (v.notBefore ?? 0), 2 * 86_400_000)
    t.match(v.record, /^[A-Za-z0-9_-]+$/)
    const list = JSON.parse((await mhc(['keys', 'delegations', '--json', '--repo', repo])).stdout) as KeyDelegationView[]
    t.match(list, [{ direction: 'given', node: AWAY, status: 'in-force' }])
    t.match((await mhc(['keys', 'delegations', '--repo', repo])).stdout, new RegExp(`^to ${AWAY} {2}in-force`))

    const unknown = await mhc(['keys', 'revoke-delegation', '7UkoxijRwsbq6QM4kFmVYSlZJzpcY_k2NsFGFKyHN9E', '--json', '--repo', repo])
    t.equal(unknown.code, 1)
    t.equal(errorCode(unknown.stdout), 'MHC_ERR_KEY_DELEGATION_NOT_FOUND')
    const { publicKey } = JSON.parse((await mhc(['id', '--json', '--repo', repo])).stdout) as { publicKey: string }
    const self = await mhc(['keys', 'delegate', publicKey, '--json', '--repo', repo])
    t.equal(errorCode(self.stdout), 'MHC_ERR_KEY_DELEGATION_INVALID', 'not to itself')
    const bad = await mhc(['keys', 'delegate', 'not-a-key', '--json', '--repo', repo])
    t.equal(bad.code, 1)
    t.equal(errorCode(bad.stdout), 'MHC_ERR_WIRE_FORMAT')

    const revoked = await mhc(['keys', 'revoke-delegation', AWAY, '--json', '--repo', repo])
    t.equal(revoked.code, 0, revoked.stderr)
    t.match(JSON.parse(revoked.stdout), { kind: 'revoke', status: 'revoked', notBefore: null, notAfter: null, delivered: false })
    t.match(JSON.parse((await mhc(['keys', 'delegations', '--json', '--repo', repo])).stdout), [{ node: AWAY, status: 'revoked' }], 'the revoke replaced the grant')
  })
})
