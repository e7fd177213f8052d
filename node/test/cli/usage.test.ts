import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { mhc } from '../../src/testing/daemon-process.js'

const VERBS = ['init', 'daemon', 'id', 'connect', 'peers', 'add', 'publish', 'ls', 'get', 'manifest']

t.test('mhc CLI without a daemon', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'mhc-cli-'))
  t.teardown(async () => rm(dir, { recursive: true, force: true }))
  const repo = join(dir, 'repo')

  t.test('every verb has help that ends with an example, and help exits 0', async t => {
    for (const verb of VERBS) {
      const res = await mhc([verb, '--help'])
      t.equal(res.code, 0, `${verb} --help exits 0`)
      t.match(res.stdout.trimEnd(), /Example:\n {2}mhc .+$/, `${verb} --help ends with an example`)
    }
  })

  t.test('an unknown verb or flag is a usage error: exit 2', async t => {
    t.equal((await mhc(['frobnicate'])).code, 2)
    t.equal((await mhc(['ls', '--no-such-flag'])).code, 2)
    t.equal((await mhc(['get'])).code, 2, 'missing argument')
  })

  t.test('init creates a repo once; a second init exits 1 with MHC_ERR_REPO_EXISTS', async t => {
    const first = await mhc(['init', '--repo', repo, '--json'])
    t.equal(first.code, 0)
    t.match(JSON.parse(first.stdout), { repo, peerId: /^12D3Koo/ })
    const second = await mhc(['init', '--repo', repo])
    t.equal(second.code, 1)
    t.match(second.stderr, /^error MHC_ERR_REPO_EXISTS: /)
  })

  t.test('the repo comes from --repo, else $MHC_REPO', async t => {
    const res = await mhc(['init'], { env: { MHC_REPO: repo } })
    t.match(res.stderr, /MHC_ERR_REPO_EXISTS: .*repo/)
  })

  t.test('verbs say clearly when no daemon runs', async t => {
    for (const args of [['id'], ['peers'], ['ls'], ['get', 'bafkqaaa']]) {
      const res = await mhc([...args, '--repo', repo])
      t.equal(res.code, 1, `${args[0]} exits 1`)
      t.match(res.stderr, /^error MHC_ERR_DAEMON_NOT_RUNNING: No daemon is running .*mhc daemon/, `${args[0]} names the fix`)
    }
  })

  t.test('with --json an error is one JSON document on stdout', async t => {
    const res = await mhc(['ls', '--repo', repo, '--json'])
    t.equal(res.code, 1)
    t.same(JSON.parse(res.stdout), { error: { code: 'MHC_ERR_DAEMON_NOT_RUNNING', message: JSON.parse(res.stdout).error.message } })
  })

  t.test('malformed input fails before any daemon is needed', async t => {
    const cid = await mhc(['get', 'not-a-cid', '--repo', repo])
    t.equal(cid.code, 1)
    t.match(cid.stderr, /^error MHC_ERR_CID_INVALID: /)
    const man = await mhc(['manifest', 'bafy!!', '--repo', repo])
    t.match(man.stderr, /^error MHC_ERR_CID_INVALID: /)
    const addr = await mhc(['connect', '/ip4/999.1.1.1/tcp/1', '--repo', repo])
    t.equal(addr.code, 1)
    t.match(addr.stderr, /^error MHC_ERR_MULTIADDR_INVALID: /)
    const path = await mhc(['publish', join(dir, 'missing.mp4'), '--repo', repo])
    t.equal(path.code, 1)
    t.match(path.stderr, /^error MHC_ERR_PATH_UNREADABLE: .*missing\.mp4/)
    const dirAsFile = await mhc(['add', dir, '--repo', repo])
    t.match(dirAsFile.stderr, /^error MHC_ERR_PATH_UNREADABLE: .*not a regular file/)
  })

  t.test('a daemon refuses a repo with an invalid config, naming every problem', async t => {
    const { writeFile } = await import('node:fs/promises')
    const bad = join(dir, 'bad')
    await mhc(['init', '--repo', bad])
    await writeFile(join(bad, 'config.json'), JSON.stringify({ v: 1, swarm: 'nope', api: 'x' }))
    const res = await mhc(['daemon', '--repo', bad, '--api', '127.0.0.1:0'])
    t.equal(res.code, 1)
    t.match(res.stderr, /MHC_ERR_CONFIG_INVALID: Invalid config: .*\/swarm.*/)
  })
})
