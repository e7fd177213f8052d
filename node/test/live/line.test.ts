/**
 * A live stream crosses a line of three daemons A – B – C in network
 * namespaces, where C has no route to A: ffmpeg publishes to A over RTMP, B
 * follows because its neighbour C does, and C gets every update and every
 * segment through B; C's gateway serves a live playlist of segments it
 * holds; Chromium, run inside C's namespace, plays the stream from C's
 * gateway with the stream's chat beside it; the publisher killed, the stream
 * ends on C with EXT-X-ENDLIST.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LiveCreateResult, LiveListing, LiveWatchLine } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { BIN, keepConnected, makeRepo, nodeCommand, removeRepo, startDaemon, type TestDaemon } from '../../src/testing/daemon-process.js'
import { canMakeNamespaces, inNamespace, lineOfThree } from '../../src/testing/netns.js'
import { CHROMIUM, launchChromium } from '../helpers/chromium.js'
import { DESKTOP } from '../helpers/site.js'

/** Short windows so the test ends quickly: records every second, the stream over 2 s after its publisher goes. */
const CONFIG = { liveAnnounceIntervalMs: 1000, liveReconnectWindowMs: 2000, livePrefetchTimeoutMs: 8000, liveIdleMs: 5000 }

async function repoWith (config: Record<string, unknown>): Promise<string> {
  const repo = await makeRepo()
  const file = join(repo, 'config.json')
  await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')) as object, ...config }))
  return repo
}

/** Inside `netns`: fetch the stream's playlists from the gateway at `base`, and every segment and init they name. */
async function readPlaylists (netns: string, base: string, stream: string): Promise<{ master: string, media: Record<string, string>, status: Record<string, number> }> {
  const script = `
    const base = process.argv[1], stream = process.argv[2]
    const master = await (await fetch(base + '/live/' + stream + '/master.m3u8')).text()
    const media = {}, status = {}
    for (const name of master.split('\\n').filter(l => l.endsWith('.m3u8'))) {
      const text = await (await fetch(base + '/live/' + stream + '/' + name)).text()
      media[name.slice(0, -5)] = text
      for (const m of text.matchAll(/\\/ipfs\\/(b[a-z2-7]+)/g)) {
        const res = await fetch(base + '/ipfs/' + m[1], { signal: AbortSignal.timeout(5000) })
        await res.arrayBuffer()
        status[m[1]] = res.status
      }
    }
    console.log(JSON.stringify({ master, media, status }))`
  const [cmd, argv] = nodeCommand(['--input-type=module', '-e', script, base, stream], netns)
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(timer)
  if (code !== 0) throw new Error(`reading playlists failed: ${err}`)
  return JSON.parse(out) as { master: string, media: Record<string, string>, status: Record<string, number> }
}

/** `mhc live watch STREAM --json` in the background: its lines as they come, and its exit. */
function watch (d: TestDaemon, stream: string): { lines: LiveWatchLine[], exited: Promise<number | null>, stop: () => void } {
  const [cmd, argv] = nodeCommand([BIN, 'live', 'watch', stream, '--json', '--repo', d.repo], d.netns)
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: LiveWatchLine[] = []
  let buf = ''
  child.stdout.on('data', (chunk: Buffer) => {
    buf += chunk.toString()
    const parts = buf.split('\n')
    buf = parts.pop() ?? ''
    for (const part of parts) lines.push(JSON.parse(part) as LiveWatchLine)
  })
  const exited = new Promise<number | null>(resolve => child.on('close', resolve))
  return { lines, exited, stop: () => { child.kill('SIGKILL') } }
}

t.test('a live stream over A – B – C, C two hops from A with no route to it', async t => {
  // Not skipped where namespaces cannot be made: a skip would pass while proving nothing. CI runs as root, and .ci/run installs iproute2.
  if (!canMakeNamespaces()) {
    t.fail('this test needs root and `ip netns` (iproute2) to build the A – B – C line')
    return
  }
  const line = lineOfThree(cleanup => { t.teardown(cleanup) })
  const [repoA, repoB, repoC] = await Promise.all([repoWith(CONFIG), repoWith(CONFIG), repoWith(CONFIG)])
  const daemons: TestDaemon[] = []
  t.teardown(async () => {
    await Promise.all(daemons.map(async d => { await d.stop() }))
    await Promise.all([repoA, repoB, repoC].map(removeRepo))
  })
  const a = await startDaemon({ repo: repoA, netns: line.a, swarm: [`/ip4/${line.addr.a}/tcp/0`] })
  daemons.push(a)
  const b = await startDaemon({ repo: repoB, netns: line.b, swarm: [`/ip4/${line.addr.ba}/tcp/0`, `/ip4/${line.addr.bc}/tcp/0`] })
  daemons.push(b)
  const c = await startDaemon({ repo: repoC, netns: line.c, swarm: [`/ip4/${line.addr.c}/tcp/0`], gateway: true })
  daemons.push(c)

  const unreachable = await c.cli(['connect', a.info.multiaddrs[0] ?? '', '--json'], { timeoutMs: 30_000 })
  t.not(unreachable.code, 0, 'C cannot dial A: there is no route')
  const toA = b.cli(['connect', a.info.multiaddrs[0] ?? '', '--json'])
  const toB = c.cli(['connect', b.info.multiaddrs.find(m => m.includes(line.addr.bc)) ?? '', '--json'])
  t.equal((await toA).code, 0, 'B connects to A')
  t.equal((await toB).code, 0, 'C connects to B')
  const keep = [keepConnected(b, a.info.peerId, a.info.multiaddrs[0] ?? ''), keepConnected(c, b.info.peerId, b.info.multiaddrs.find(m => m.includes(line.addr.bc)) ?? '')]
  t.teardown(() => { for (const stop of keep) stop() })

  const created = await a.cli(['live', 'create', '--title', 'Over the line', '--json'])
  t.equal(created.code, 0, created.stderr)
  const made = JSON.parse(created.stdout) as LiveCreateResult

  const ls = async (d: TestDaemon): Promise<LiveListing[]> => JSON.parse((await d.cli(['live', 'ls', '--json'])).stdout) as LiveListing[]
  const heard = await eventually(async () => (await ls(c)).find(s => s.stream === made.stream), { what: 'C hears the stream record through B', ms: 30_000 })
    .catch(async (err: unknown) => {
      t.comment('A', JSON.stringify(await ls(a)), (await a.cli(['peers', '--json'])).stdout)
      t.comment('B', JSON.stringify(await ls(b)), (await b.cli(['peers', '--json'])).stdout)
      t.comment('C', (await c.cli(['peers', '--json'])).stdout)
      throw err
    })
  t.match(heard, { title: 'Over the line', state: 'waiting', origin: JSON.parse((await a.cli(['id', '--json'])).stdout).publicKey, startedAt: null })

  const onC = watch(c, made.stream)
  const onA = watch(a, made.stream)
  t.teardown(() => { onC.stop(); onA.stop() })
  // C's subscription makes B follow; give the meshes a few gossipsub heartbeats to form before anything is published.
  await new Promise(resolve => setTimeout(resolve, 4000))

  const [ffmpeg, ffargs] = ['ip', ['netns', 'exec', line.a, 'ffmpeg', '-hide_banner', '-nostdin', '-v', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '90',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', made.rtmpUrl]] as const
  const publisher = spawn(ffmpeg, ffargs, { stdio: 'ignore' })
  t.teardown(() => { publisher.kill('SIGKILL') })

  await eventually(() => onC.lines.length >= 4 ? true : undefined, { what: 'segments on C', ms: 40_000 })
  const live = await readPlaylists(line.c, c.info.gateway ?? '', made.stream)
  t.match(live.master, /#EXT-X-STREAM-INF:BANDWIDTH=\d+,RESOLUTION=\d+x\d+,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/, 'a variant per rendition, with what its init segment says')
  for (const [name, text] of Object.entries(live.media)) {
    t.match(text, /#EXT-X-VERSION:7/, `${name}: version 7`)
    t.match(text, /#EXT-X-MAP:URI="\/ipfs\/b[a-z2-7]+"/)
    t.match(text, /#EXT-X-PROGRAM-DATE-TIME:/)
    t.notMatch(text, /#EXT-X-ENDLIST/, 'still live')
  }
  t.ok(Object.keys(live.status).length > 0, 'the playlists name segments')
  t.same(Object.values(live.status).filter(s => s !== 200), [], 'every segment and init in C\'s live playlists is served by C\'s gateway')
  const listed = (await ls(c)).find(s => s.stream === made.stream)
  t.equal(listed?.state, 'live', 'C lists the stream as live')
  for (const [name, text] of Object.entries(live.media)) t.match(text, /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n/, `${name}: players may block on the next segment`)

  // The viewer behind the censoring network: a browser that only sees C's namespace, on C's gateway.
  const work = await mkdtemp(join(tmpdir(), 'mhc-line-'))
  t.teardown(async () => { await rm(work, { recursive: true, force: true }) })
  const browser = await launchChromium(['--autoplay-policy=no-user-gesture-required'], { executablePath: await inNamespace(line.c, CHROMIUM, work) })
  t.teardown(async () => { await browser.close() })
  const page = await browser.newPage({ viewport: DESKTOP })
  const errors: string[] = []
  page.on('pageerror', err => { errors.push(err.message) })
  await page.goto(`${c.info.gateway ?? ''}/live/${made.stream}`)
  await page.locator('h1 .live-badge').waitFor({ timeout: 60_000 })
  t.match(await page.locator('h1').textContent(), /LIVE\s*Over the line/, 'C\'s live page: the LIVE badge beside the title')
  const playing = await eventually(async () => {
    const time = await page.locator('video').evaluate(v => (v as HTMLVideoElement).currentTime)
    return time > 1 ? time : undefined
  }, { what: 'the stream playing in Chromium through C\'s gateway', ms: 60_000, every: 250 })
  t.ok(playing > 1, 'Chromium plays the stream through C\'s gateway')
  await eventually(async () => /^\d+\.\d s$/.test(await page.locator('.live-latency-value').textContent() ?? '') ? true : undefined,
    { what: 'a latency readout', ms: 30_000, every: 250 })
  await page.getByLabel('Pick a display name to chat').fill('Behind B')
  await page.getByRole('button', { name: 'Start chatting' }).click()
  const box = page.getByRole('textbox', { name: 'Chat message' })
  await box.waitFor({ timeout: 20_000 })
  await box.fill('hello from two hops')
  await box.press('Enter')
  await eventually(async () => (await page.locator('[data-testid="chat-log"] .chat-text').allTextContents()).includes('hello from two hops') ? true : undefined,
    { what: 'the message in the stream\'s chat', ms: 20_000, every: 200 })
  const player = await page.locator('video').boundingBox()
  const chat = await page.locator('.live-page > .side').boundingBox()
  t.ok(player !== null && chat !== null && chat.x >= player.x + player.width, 'the chat is beside the player')
  t.same(errors, [], 'no error in the page')
  await browser.close()

  // Publisher killed: A ends the stream after its reconnect window, and the end reaches C.
  await new Promise(resolve => setTimeout(resolve, 2000))
  publisher.kill('SIGKILL')
  t.equal(await onC.exited, 0, 'mhc live watch on C exits 0 when the stream ends')
  t.equal(await onA.exited, 0, 'and on A')

  const key = (l: LiveWatchLine): string => `${l.rendition}#${l.seq}=${l.cid}`
  const originSegments = onA.lines.map(key).sort()
  t.ok(originSegments.length >= 8, `the origin made segments (${originSegments.length})`)
  t.same(onC.lines.map(key).sort(), originSegments, 'every segment of every rendition reached C, with the origin\'s CID')
  t.ok(onC.lines.every(l => Number.isInteger(l.latency) && l.duration > 0))

  const ended = await readPlaylists(line.c, c.info.gateway ?? '', made.stream)
  for (const [name, text] of Object.entries(ended.media)) t.match(text, /#EXT-X-ENDLIST\n$/, `${name}: ENDLIST once ended`)
  t.same(Object.values(ended.status).filter(s => s !== 200), [], 'and every segment it lists is fetchable on C')
  t.equal((await ls(c)).find(s => s.stream === made.stream)?.state, 'ended')
})
