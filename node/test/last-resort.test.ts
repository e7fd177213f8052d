import { spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import t from 'tap'
import { lastResort } from '../src/last-resort.js'

const CHILD = fileURLToPath(new URL('./fixtures/unhandled-rejection.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Run the child with tsx, bounded at 20 s. */
async function child (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  proc.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000)
  const code = await new Promise<number | null>(resolve => proc.on('exit', c => { resolve(c) }))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

t.test('the daemon last-resort handler (issue #8)', async t => {
  t.test('without it, one rejection nobody handles ends the whole process', async t => {
    const res = await child([])
    t.not(res.code, 0)
    t.notMatch(res.stdout, /still serving/)
  })
  t.test('with it, the rejection is logged at error and the process keeps serving', async t => {
    const res = await child(['install'])
    t.equal(res.code, 0, res.stderr)
    t.match(res.stdout, /still serving/)
    const line = res.stdout.split('\n').find(l => l.includes('unhandled promise rejection')) ?? '{}'
    const log = JSON.parse(line) as { level?: number, component?: string, err?: { message?: string } }
    t.equal(log.level, 50)
    t.equal(log.component, 'daemon:last-resort')
    t.equal(log.err?.message, 'boom inside one job')
  })
  t.test('uninstalling removes exactly its own listener', async t => {
    const source = new EventEmitter()
    const lines: string[] = []
    const logger = pino({ level: 'error' }, { write: (s: string) => { lines.push(s) } })
    const uninstall = lastResort({ logger, process: source })
    t.equal(source.listenerCount('unhandledRejection'), 1)
    source.emit('unhandledRejection', new Error('one'), Promise.resolve())
    source.emit('unhandledRejection', 'not even an Error', Promise.resolve())
    t.equal(lines.length, 2)
    t.match(JSON.parse(lines[1] ?? '{}'), { count: 2, err: 'not even an Error' })
    uninstall()
    t.equal(source.listenerCount('unhandledRejection'), 0)
  })
})
