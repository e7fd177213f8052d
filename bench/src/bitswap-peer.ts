/**
 * The forked child of bench/bitswap: one end of a baseline transfer on
 * loopback. The parent sends one job over IPC; the child answers `ready`
 * (with its port or multiaddr), a receiver then waits for `go`, copies the
 * bytes into a file and answers `done` with its own clock. A child exits when
 * the parent disconnects (its stop signal, or the parent died) and at its
 * job's deadline whatever happens.
 *
 *   tcp-send / tcp-recv        node:net, no encryption, no muxer
 *   stream-send / stream-recv  libp2p built from MHC's own libp2pOptions()
 *                              (tcp + noise + yamux, the daemon's services)
 */

import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { type AddressInfo, connect, createServer } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { startLibp2p } from './quiet-libp2p.js'

export const STREAM_PROTOCOL = '/mhc-bench/stream/1.0.0'
/** Read size on the sending side (the file comes from disk, as bitswap's blocks do). */
const READ_CHUNK = 256 * 1024

export type PeerJob =
  | { role: 'tcp-send', file: string, deadlineMs: number }
  | { role: 'tcp-recv', port: number, out: string, deadlineMs: number }
  | { role: 'stream-send', file: string, deadlineMs: number }
  | { role: 'stream-recv', addr: string, out: string, deadlineMs: number }

export type PeerMessage =
  | { type: 'ready', port?: number, addr?: string }
  | { type: 'done', ms: number, bytes: number }
  | { type: 'error', message: string }


function send (msg: PeerMessage): void {
  if (process.connected) process.send?.(msg)
}

function nextMessage (): Promise<unknown> {
  return new Promise(resolve => process.once('message', resolve))
}

let node: Libp2p | undefined

async function stop (code: number): Promise<never> {
  const hard = setTimeout(() => process.exit(code), 5_000)
  hard.unref()
  try { await node?.stop() } catch {}
  process.exit(code)
}

async function run (job: PeerJob): Promise<void> {
  switch (job.role) {
    case 'tcp-send': {
      const server = createServer(sock => {
        pipeline(createReadStream(job.file, { highWaterMark: READ_CHUNK }), sock).catch((err: Error) => { send({ type: 'error', message: `tcp send: ${err.message}` }) })
      })
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      send({ type: 'ready', port: (server.address() as AddressInfo).port })
      return
    }
    case 'tcp-recv': {
      send({ type: 'ready' })
      await nextMessage()
      const t0 = performance.now()
      const sock = connect({ port: job.port, host: '127.0.0.1' })
      const out = createWriteStream(job.out)
      await pipeline(sock, out)
      send({ type: 'done', ms: performance.now() - t0, bytes: out.bytesWritten })
      return
    }
    case 'stream-send': {
      node = await startLibp2p()
      await node.handle(STREAM_PROTOCOL, async stream => {
        try {
          for await (const chunk of createReadStream(job.file, { highWaterMark: READ_CHUNK })) {
            if (!stream.send(chunk as Buffer)) await stream.onDrain()
          }
          await stream.close()
        } catch (err) {
          stream.abort(err as Error)
          send({ type: 'error', message: `stream send: ${(err as Error).message}` })
        }
      })
      const addr = node.getMultiaddrs()[0]
      if (addr === undefined) throw new Error('libp2p has no listen address')
      send({ type: 'ready', addr: addr.toString() })
      return
    }
    case 'stream-recv': {
      node = await startLibp2p()
      const target = multiaddr(job.addr)
      // The connection (TCP, noise handshake, yamux, identify) is set up before the clock starts.
      await node.dial(target)
      await new Promise(resolve => setTimeout(resolve, 200))
      send({ type: 'ready' })
      await nextMessage()
      const t0 = performance.now()
      const stream = await node.dialProtocol(target, STREAM_PROTOCOL)
      const out = createWriteStream(job.out)
      let bytes = 0
      for await (const chunk of stream) {
        const buf = chunk instanceof Uint8Array ? chunk : chunk.subarray()
        bytes += buf.byteLength
        if (!out.write(buf)) await once(out, 'drain')
      }
      out.end()
      await once(out, 'close')
      const ms = performance.now() - t0
      await stream.close().catch(() => {})
      send({ type: 'done', ms, bytes })
    }
  }
}

process.on('disconnect', () => { void stop(0) })
const job = await nextMessage() as PeerJob
setTimeout(() => {
  process.stderr.write(`bitswap-peer ${job.role}: deadline of ${job.deadlineMs} ms passed\n`)
  void stop(3)
}, job.deadlineMs).unref()
run(job).catch(async (err: Error) => {
  send({ type: 'error', message: `${job.role}: ${err.message}` })
  await stop(1)
})
