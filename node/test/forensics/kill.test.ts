import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import t from 'tap'
import { ACTOR, makeLog } from './log-helpers.js'

const CHILD = fileURLToPath(new URL('./append-child.ts', import.meta.url))

/** Run the appender child until it acknowledged `atLeast` entries, then SIGKILL it; the indices it printed. */
async function appendThenKill (dir: string, keyHex: string, inFlight: number, atLeast: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, keyHex, String(inFlight)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const acked: number[] = []
  let buffered = ''
  const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
  const deadline = setTimeout(() => { child.kill('SIGKILL') }, 120_000)
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) if (/^[0-9]+$/.test(line)) acked.push(Number(line))
    if (acked.length >= atLeast) child.kill('SIGKILL')
  })
  await exited
  clearTimeout(deadline)
  return acked
}

t.test('kill -9 during appends loses no acknowledged entry', async t => {
  const { log, dir, key, reopen } = await makeLog(t)
  await log.stop()
  const keyHex = Buffer.from(privateKeyToProtobuf(key)).toString('hex')

  for (const [round, inFlight] of [[1, 1], [2, 32]] as const) {
    const acked = await appendThenKill(dir, keyHex, inFlight, 300)
    t.ok(acked.length >= 300, `round ${round} (${inFlight} in flight): the child acknowledged ${acked.length} entries before it was killed`)

    const after = reopen()
    await after.start()
    const max = Math.max(...acked)
    t.ok(after.size > max, `every acknowledged index (up to ${max}) is within the reopened log (size ${after.size})`)
    const present = new Set<number>()
    for await (const e of after.entries()) present.add(e.index)
    t.ok(acked.every(i => present.has(i)), 'every acknowledged entry is there')
    t.match(await after.verify(), { ok: true, size: after.size }, 'the chain and the tree verify')
    const next = await after.append({ type: 'admin', actor: ACTOR, subject: 'account:after-kill', reason: `after round ${round}` })
    t.equal(next.index, after.size - 1, 'new appends continue the log')
    await after.stop()
  }
})
