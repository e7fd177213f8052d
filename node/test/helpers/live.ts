/**
 * Helpers for the live specs: a live service on real parts (a Helia light
 * node's blockstore, datastore and pins, in memory; ffmpeg), and ffmpeg as
 * the publisher over RTMP or SRT. (Not named *.test.ts.)
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import type { LiveSegmentEvent } from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { MemoryDatastore } from 'datastore-core/memory'
import { createHeliaLight } from 'helia'
import { type Logger, pino } from 'pino'
import type { Test } from 'tap'
import { type Live, type LiveInit, live } from '../../src/live/index.js'

export interface LiveRig {
  service: Live
  blockstore: MemoryBlockstore
  helia: ReturnType<typeof createHeliaLight>
  /** Every segment event so far. */
  segments: LiveSegmentEvent[]
}

export async function liveRig (t: Test, init: Partial<LiveInit> = {}, logger: Logger = pino({ level: process.env.MHC_TEST_LOG ?? 'silent' })): Promise<LiveRig> {
  const workDir = await mkdtemp(join(tmpdir(), 'mhc-live-'))
  const blockstore = new MemoryBlockstore()
  const datastore = new MemoryDatastore()
  const helia = createHeliaLight({ blockstore, datastore })
  await helia.start()
  const seed = ed25519.utils.randomSecretKey()
  const service = live({ workDir, rtmp: { host: '127.0.0.1', port: 0 }, srt: { host: '127.0.0.1', port: 0 }, preset: 'ultrafast', ...init })({
    unixfs: unixfs(helia),
    blockstore,
    pins: helia.pins,
    datastore,
    signer: { publicKey: ed25519.getPublicKey(seed) },
    logger
  })
  await service.start()
  const segments: LiveSegmentEvent[] = []
  service.addEventListener('segment', e => { segments.push(e.detail) })
  t.teardown(async () => {
    await service.stop()
    await helia.stop()
    await rm(workDir, { recursive: true, force: true })
  })
  return { service, blockstore, helia, segments }
}

export interface Publisher {
  child: ChildProcess
  /** Resolves with ffmpeg's exit code (null when killed) and the tail of its stderr. */
  exited: Promise<{ code: number | null, stderr: string }>
}

/** ffmpeg pushing `seconds` of a 640×360 30 fps test pattern with a tone, in real time, to `url`. */
export function publish (url: string, o: { seconds?: number, size?: string } = {}): Publisher {
  const format = url.startsWith('srt:') ? 'mpegts' : 'flv'
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${o.size ?? '640x360'}:rate=30`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(o.seconds ?? 4), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', '-f', format, url]
  return run(args)
}

/** ffmpeg sending raw PCM (not MPEG-TS) over SRT: a publisher with the right key and garbage for media. */
export function publishGarbageSrt (url: string, seconds = 3): Publisher {
  return run(['-hide_banner', '-nostdin', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'anoisesrc=sample_rate=48000', '-t', String(seconds), '-f', 's16le', url])
}

function run (args: string[]): Publisher {
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr = (stderr + s).slice(-2000) })
  const exited = new Promise<{ code: number | null, stderr: string }>(resolve => {
    child.once('close', code => { resolve({ code, stderr }) })
  })
  // Bounded: no publisher outlives its test by more than this.
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
  void exited.then(() => { clearTimeout(guard) })
  return { child, exited }
}
