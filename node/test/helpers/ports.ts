/** A daemon on loopback whose gateway port is known before it starts (pages that name their own URL, such as Checkout's way back). */
import { createServer } from 'node:net'

/** A port free on 127.0.0.1 now (the kernel's choice). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => { resolve(port) })
    })
  })
}

/** Config fields for a daemon on loopback only, its gateway on `port`, the other listeners on ports the kernel picks. */
export function loopbackListeners (port: number): { swarm: string[], api: string, gateway: string, rtmp: string, srt: string } {
  return { swarm: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0', gateway: `127.0.0.1:${port}`, rtmp: '127.0.0.1:0', srt: '127.0.0.1:0' }
}
