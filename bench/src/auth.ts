/**
 * bench/auth: how many logins a second one core of a gateway serves with
 * argon2id at the chosen parameters (docs/specs/accounts.md), and their p99,
 * side by side with argon2id verification alone on one core (the ceiling:
 * a login is one verification plus HTTP, cookies, CSRF and two store writes).
 *
 * The gateway (buildApp, accounts on LevelDB) runs in its own process; this
 * process drives `--connections` concurrent clients, each logging in as its
 * own user in a loop for `--seconds`. Per core = logins/s ÷ the gateway's CPU
 * seconds per wall second (argon2 runs on libuv's pool: several threads).
 *
 *   node bench/dist/auth.js [--seconds 10] [--connections 8]
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Passwords } from '@mhc/gateway'
import { csrfSession } from './gateway-client.js'
import { children, track } from './processes.js'
import { emit, flag, runBench, stats } from './report.js'

const SERVER = fileURLToPath(new URL('./gateway-server.js', import.meta.url))

async function main (): Promise<number> {
  const seconds = flag('seconds', 10)
  const connections = flag('connections', 8)

  // Baseline: argon2id verification alone, sequentially on this thread.
  const passwords = new Passwords()
  const hash = await passwords.hash('password of the baseline')
  let verified = 0
  const t0 = performance.now()
  while (performance.now() - t0 < 3000) {
    if (!await passwords.verify(hash, 'password of the baseline')) throw new Error('baseline verification failed')
    verified++
  }
  const perCoreVerify = verified / ((performance.now() - t0) / 1000)
  emit('auth', 'argon2id verify alone', 'throughput', 'verifications/s/core', { mean: perCoreVerify })

  const server = track(fork(SERVER, [String(connections)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    server.once('message', m => { resolve(m as { url: string }) })
    server.once('exit', code => { reject(new Error(`the gateway exited (${String(code)})`)) })
  })
  const ask = async <T>(m: string): Promise<T> => await new Promise(resolve => { server.once('message', r => { resolve(r as T) }); server.send(m) })
  try {
    // Each client: its CSRF token once, then logins until the time is up.
    const clients = await Promise.all(Array.from({ length: connections }, async (_, i) => {
      const { token, cookies } = await csrfSession(url)
      return { i, token, cookie: cookies.join('; ') }
    }))
    await ask('reset')
    const latencies: number[] = []
    let failed = 0
    const start = performance.now()
    const end = start + seconds * 1000
    await Promise.all(clients.map(async c => {
      while (performance.now() < end) {
        const t = performance.now()
        const res = await fetch(`${url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': c.token, cookie: c.cookie },
          body: JSON.stringify({ username: `user${c.i}`, password: `password of user ${c.i}` })
        })
        await res.arrayBuffer()
        if (res.status === 200) latencies.push(performance.now() - t)
        else failed++
      }
    }))
    const wall = (performance.now() - start) / 1000
    const { cpuMicros } = await ask<{ cpuMicros: number }>('cpu')
    const cores = cpuMicros / 1e6 / wall
    const perSecond = latencies.length / wall
    const perCore = perSecond / cores
    const s = stats(latencies)
    emit('auth', `login, ${connections} connections`, 'latency', 'ms', s, { loginsPerSecond: perSecond, gatewayCores: cores, loginsPerCore: perCore, ratioToArgon2: perCore / perCoreVerify, failed })
    process.stderr.write(`logins: ${perSecond.toFixed(1)}/s using ${cores.toFixed(2)} cores of the gateway = ${perCore.toFixed(1)}/s per core (argon2id alone ${perCoreVerify.toFixed(1)}/s per core: ratio ${(perCore / perCoreVerify).toFixed(2)}); p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms; ${failed} failed\n`)
    return failed > 0 ? 1 : 0
  } finally {
    server.disconnect()
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

await runBench(main, () => { for (const c of children) c.kill('SIGKILL') })
