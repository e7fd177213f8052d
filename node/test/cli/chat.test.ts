import { spawn } from 'node:child_process'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { BIN, removeRepo, startDaemon } from '../../src/testing/daemon-process.js'

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'

// The chat verbs as scripts use them, against a real daemon process.
t.test('mhc chat, react, mute', async t => {
  const d = await startDaemon()
  t.teardown(async () => { await d.stop(); await removeRepo(d.repo) })
  const id = JSON.parse((await d.cli(['id', '--json'])).stdout) as { publicKey: string }

  t.test('--send publishes one message and exits 0; --json prints its id', async t => {
    const res = await d.cli(['chat', MANIFEST, '--send', 'first words', '--name', 'Ada', '--json'])
    t.equal(res.code, 0, res.stderr)
    t.match(JSON.parse(res.stdout), { id: /^bafyrei/, author: id.publicKey, kind: 'chat' })
  })

  t.test('--json without --follow prints the history as NDJSON chat lines', async t => {
    await d.cli(['chat', MANIFEST, '--send', 'second', '--name', 'Ada'])
    const res = await d.cli(['chat', MANIFEST, '--json'])
    t.equal(res.code, 0, res.stderr)
    const lines = res.stdout.trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
    t.same(lines.map(l => l.text), ['first words', 'second'])
    t.same(Object.keys(lines[0] ?? {}).sort(), ['author', 'id', 'name', 'replyTo', 'seq', 'text', 'ts'])
    t.equal(lines[0]?.author, id.publicKey)
  })

  t.test('--follow --json prints history, then live messages, until interrupted', async t => {
    const child = spawn(process.execPath, [BIN, 'chat', MANIFEST, '--follow', '--json', '--repo', d.repo], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (b: Buffer) => { out += b.toString() })
    const lines = async (n: number): Promise<string[]> => await eventually(() => {
      const got = out.trim().split('\n').filter(Boolean)
      return got.length >= n ? got : undefined
    }, { what: `${n} lines (got: ${out})` })
    t.equal((await lines(2)).length, 2, 'the history first')
    await d.cli(['chat', MANIFEST, '--send', 'live one', '--name', 'Bo'])
    const all = await lines(3)
    t.match(JSON.parse(all[2] ?? '{}'), { text: 'live one', name: 'Bo' })
    child.kill('SIGINT')
    const code = await new Promise(resolve => child.on('exit', resolve))
    t.equal(code, 0, 'Ctrl-C ends a follow cleanly')
  })

  t.test('react sends a reaction; an unknown emoji fails with its code', async t => {
    t.equal((await d.cli(['react', MANIFEST, '🔥'])).code, 0)
    const bad = await d.cli(['react', MANIFEST, 'nope', '--json'])
    t.equal(bad.code, 1)
    t.equal(JSON.parse(bad.stdout).error.code, 'MHC_ERR_WIRE_FORMAT')
  })

  t.test('mute, mute ls, unmute', async t => {
    const key = 'ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ'
    t.equal((await d.cli(['mute', key])).code, 0)
    t.same(JSON.parse((await d.cli(['mute', 'ls', '--json'])).stdout), [key])
    t.equal((await d.cli(['unmute', key])).code, 0)
    t.same(JSON.parse((await d.cli(['mute', 'ls', '--json'])).stdout), [])
    t.equal((await d.cli(['mute', 'not-a-key'])).code, 1, 'a malformed key is refused')
    t.equal((await d.cli(['mute'])).code, 2, 'no key is a usage error')
  })
})
