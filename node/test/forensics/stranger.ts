/** `mhc forensics verify FILE` run as a stranger would: nothing but the file, no repo, no daemon, no network. */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN } from '../../src/testing/daemon-process.js'

interface T { teardown: (fn: () => Promise<void>) => void }

const unshareWorks = spawnSync('unshare', ['-n', 'true']).status === 0

/** `mhc forensics verify FILE [--json]` as a stranger: a fresh HOME and MHC_REPO that hold nothing, and no network (own netns). */
export async function strangerVerify (t: T, file: string, json = false): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const home = await mkdtemp(join(tmpdir(), 'mhc-stranger-'))
  t.teardown(async () => { await rm(home, { recursive: true, force: true }) })
  const argv = [process.execPath, BIN, 'forensics', 'verify', file, ...(json ? ['--json'] : []), '--repo', join(home, 'repo')]
  const [cmd, ...args] = unshareWorks ? ['unshare', '-n', ...argv] : argv
  const child = spawn(cmd as string, args, { env: { PATH: process.env.PATH ?? '', HOME: home, MHC_REPO: join(home, 'repo') }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const code = await new Promise<number | null>(resolve => child.on('exit', c => { resolve(c) }))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

