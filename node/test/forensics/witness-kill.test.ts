import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { TLOG_SIZE_CONTENT_TYPE } from '@mhc/protocols'
import t from 'tap'
import { ACTOR, makeLog } from './log-helpers.js'
import { post, request } from './witness-helpers.js'

const CHILD = fileURLToPath(new URL('./witness-child.ts', import.meta.url))

/** Start the witness child; resolves with it and the URL it printed (bounded: killed after 60 s without one). */
async function startWitness (args: string[]): Promise<{ child: ChildProcess, url: string, exited: Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
  const deadline = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = ''
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk
      const line = buffered.split('\n')[0]
      if (buffered.includes('\n') && line !== undefined) resolve(line)
    })
    void exited.then(() => { reject(new Error('the witness child exited before it listened')) })
  })
  clearTimeout(deadline)
  return { child, url, exited }
}

t.test('a witness killed right after it answered 200 still refuses an older checkpoint when it comes back', async t => {
  const { log } = await makeLog(t)
  const work = await mkdtemp(join(tmpdir(), 'mhc-witness-kill-'))
  const children: ChildProcess[] = []
  t.teardown(async () => {
    for (const c of children) c.kill('SIGKILL')
    await rm(work, { recursive: true, force: true })
  })
  const keyHex = Buffer.from(privateKeyToProtobuf(await generateKeyPair('Ed25519'))).toString('hex')
  const args = [join(work, 'witness'), keyHex, log.origin, log.vkey]

  for (let i = 0; i < 3; i++) await log.append({ type: 'admin', actor: ACTOR, subject: `account:${i}`, reason: `entry ${i}` })
  const cp3 = await log.checkpoint()
  for (let i = 3; i < 7; i++) await log.append({ type: 'admin', actor: ACTOR, subject: `account:${i}`, reason: `entry ${i}` })
  const cp7 = await log.checkpoint()

  const first = await startWitness(args)
  children.push(first.child)
  const ok = await post(first.url, request(0, [], cp7.note))
  first.child.kill('SIGKILL')
  t.equal(ok.status, 200, 'size 7 was cosigned')
  await first.exited
  t.equal(first.child.signalCode, 'SIGKILL', 'the witness was killed, not stopped')

  const second = await startWitness(args)
  children.push(second.child)
  const older = await post(second.url, request(0, [], cp3.note))
  t.equal(older.status, 409, 'the older checkpoint (3) from 0 is refused')
  t.equal(older.type, TLOG_SIZE_CONTENT_TYPE)
  t.equal(older.text, '7\n', 'the witness remembers it cosigned 7')
  t.equal((await post(second.url, request(7, [], cp3.note))).status, 400, 'and 3 from 7 is old > new: 400')
  t.equal((await post(second.url, request(7, [], cp7.note))).status, 200, 'the same checkpoint again is consistent: 200')
  second.child.kill('SIGKILL')
  await second.exited
})
