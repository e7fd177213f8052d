/**
 * bench/money, in Chromium: time to first frame of a subscriber-only
 * (encrypted) video against the same source published for everyone, side by
 * side on the same daemon's gateway, alternating per run. Goal: ratio ≤ 1.1.
 *
 * The encrypted side pays for the key before the player starts: the lazy
 * key-access chunk, the signer worker (the browser key out of IndexedDB), a
 * signed key-request proof, the key request (the proof and the entitlement
 * checked offline by the node), and AES-128 decryption of every segment in
 * hls.js. The viewer's subscription is issued by a bridge key of this bench
 * and presented by the page (localStorage `mhc.entitlements`), as a bridge's
 * pages would leave it. One browser context for all runs (one browser key),
 * with the HTTP cache off, so every run fetches everything again.
 *
 *   node bench/dist/money-ttff.js [--seconds 24] [--width 1280] [--height 720] [--runs 5]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeRepo, removeRepo, startDaemon } from '@mhc/node/testing'
import { type Signer, sealEntitlement, toBase64url } from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { emit, flag, runBench, stats } from './report.js'
import { makeSourceClip } from './source-clip.js'

const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium'
const DAY = 86_400_000

interface Hook { video: HTMLVideoElement, timings: { firstFrame: number | null } }
type Hooked = { __mhcPlayer?: Hook }

function signer (): Signer {
  const sk = ed25519.utils.randomSecretKey()
  return { publicKey: ed25519.getPublicKey(sk), sign: (d: Uint8Array) => ed25519.sign(d, sk) }
}

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function until (page: Page, fn: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await page.evaluate(fn)) return
    await sleep(25)
  }
  throw new Error(`${what} not within ${ms} ms`)
}

async function main (): Promise<number> {
  const seconds = flag('seconds', 24)
  const width = flag('width', 1280)
  const height = flag('height', 720)
  const runs = flag('runs', 5)
  const work = await mkdtemp(join(tmpdir(), 'mhc-bench-money-ttff-'))
  const source = join(work, 'source.mp4')
  await makeSourceClip(source, { seconds, width, height })
  const bridge = signer()
  const repo = await makeRepo('mhc-bench-money-ttff-')
  const configPath = join(repo, 'config.json')
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>
  await writeFile(configPath, JSON.stringify({ ...config, bridgeKeys: [toBase64url(bridge.publicKey)], gatewayRateLimit: 1_000_000 }))
  const daemon = await startDaemon({ repo, gateway: true })
  const gw = daemon.info.gateway ?? ''
  let browser: Browser | undefined
  let failed = false
  try {
    const publish = async (args: string[]): Promise<{ manifest: string, audience?: string }> =>
      JSON.parse((await daemon.cli(['publish', source, '--title', 'bench', '--json', ...args], { timeoutMs: 900_000 })).stdout) as { manifest: string, audience?: string }
    const clear = await publish([])
    const encrypted = await publish(['--audience', 'subscribers'])
    if (encrypted.audience !== 'subscribers' || clear.audience !== undefined) throw new Error('the two publishes are not one public and one subscriber-only')
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--autoplay-policy=no-user-gesture-required']
    })
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const open = async (cid: string): Promise<Page> => {
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
      await page.goto(`${gw}/watch/${cid}`)
      return page
    }

    // The viewer's key (one context: one browser key), then their subscription, presented by the page.
    const first = await open(encrypted.manifest)
    const lock = first.getByTestId('subscribers-lock')
    await lock.waitFor({ timeout: 60_000 })
    const viewer = await lock.getAttribute('data-key') ?? ''
    const creator = (JSON.parse((await daemon.cli(['id', '--json'])).stdout) as { publicKey: string }).publicKey
    const now = Date.now()
    const entitlement = toBase64url(await sealEntitlement({
      v: 1, id: toBase64url(crypto.getRandomValues(new Uint8Array(16))), kind: 'subscription', subject: viewer, creator, tier: 'FAN', notBefore: now - DAY, notAfter: now + 30 * DAY, ref: 'stripe:sub_bench'
    }, bridge))
    await first.evaluate((e: string) => { localStorage.setItem('mhc.entitlements', e) }, entitlement)
    await first.close()

    const ttff: Record<string, number[]> = { clear: [], encrypted: [] }
    for (let i = 0; i < runs; i++) {
      for (const mode of i % 2 === 0 ? ['clear', 'encrypted'] : ['encrypted', 'clear']) {
        const page = await context.newPage()
        const cdp = await context.newCDPSession(page)
        await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
        const t0 = Date.now()
        const timeline: string[] = []
        if (process.env.BENCH_TIMELINE === '1') {
          page.on('request', r => { timeline.push(`${Date.now() - t0} > ${new URL(r.url()).pathname.slice(-40)}`) })
          page.on('requestfinished', r => { timeline.push(`${Date.now() - t0} < ${new URL(r.url()).pathname.slice(-40)}`) })
        }
        await page.goto(`${gw}/watch/${mode === 'clear' ? clear.manifest : encrypted.manifest}`)
        await until(page, () => (window as unknown as Hooked).__mhcPlayer?.timings.firstFrame != null, 60_000, `${mode}: first frame`)
        ttff[mode]?.push(await page.evaluate(() => (window as unknown as Hooked).__mhcPlayer?.timings.firstFrame ?? Number.NaN))
        if (timeline.length > 0) process.stderr.write(`${mode} (first frame ${ttff[mode]?.at(-1)} ms):\n  ${timeline.join('\n  ')}\n`)
        // The answer: the encrypted video really plays on (decrypted segments), not just a first frame.
        await until(page, () => ((window as unknown as Hooked).__mhcPlayer?.video.currentTime ?? 0) > 2, 60_000, `${mode}: playback past 2 s`)
        await page.close()
      }
    }
    const kase = `${width}x${height} ${seconds}s`
    for (const mode of ['clear', 'encrypted']) emit('money', `${kase} ${mode}`, 'ttff', 'ms', stats(ttff[mode] ?? []))
    const ratio = (ttff.encrypted ?? []).map((v, i) => v / ((ttff.clear ?? [])[i] ?? Number.NaN))
    emit('money', kase, 'ttff-ratio encrypted/clear', 'x', stats(ratio), { goal: 1.1 })
  } catch (err) {
    failed = true
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  } finally {
    await browser?.close()
    await daemon.stop()
    await removeRepo(daemon.repo)
    await rm(work, { recursive: true, force: true })
  }
  return failed ? 1 : 0
}

void runBench(main, () => {})
