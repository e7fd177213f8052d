/** A real redis-server (Debian's) on a free loopback port, for the tests that share state through Redis. */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { eventually } from '@mhc/protocols/testing'
import { Redis } from 'ioredis'

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      s.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
    s.on('error', reject)
  })
}

export interface RedisServer {
  url: string
  process: ChildProcess
  /** SIGKILL, and wait until it exited. */
  kill(): Promise<void>
}

/** Start redis-server without persistence and wait (bounded) until it answers. */
export async function startRedis (): Promise<RedisServer> {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  probe.on('error', () => { /* refused until redis-server listens; the loop below retries */ })
  try {
    await eventually(async () => {
      if (probe.status !== 'ready') await probe.connect()
      return await probe.ping() === 'PONG'
    }, { ms: 5000, every: 100, what: 'redis-server answering' })
  } finally {
    probe.disconnect()
  }
  return {
    url,
    process: child,
    async kill () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await new Promise(resolve => child.once('exit', resolve))
    }
  }
}
