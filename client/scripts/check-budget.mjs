#!/usr/bin/env node
// The watch page's JavaScript budget (ARCHITECTURE.md: <= 150 KB gzip, hls.js
// included), checked after `vite build` from Vite's manifest. The limit is on
// everything the watch page loads, manifest verification included.
//
// Which chunks a page loads, from dist/.vite/manifest.json:
//   home      the entry chunk and its static imports
//   watch     home + the watch page chunk + the player chunk (hls.js), and
//             their static imports: everything needed to start playback
//   deferred  what the watch page loads after the player is in: the manifest
//             verifier (@mhc/protocols: dag-cbor, the envelope and the
//             generated schema validator; Ed25519 is the browser's WebCrypto)
//   watch, all  watch + deferred: what the budget limits
//   upload    the creator's upload page (/upload: tus-js-client, the draft
//             manifest, the signer): a page of its own, loaded only there, so
//             outside the watch page's budget; the entry's dynamic import of it
//             is not followed when the watch page is measured.
//   chat      the chat panel and its signer worker, loaded once the player is
//             in (not needed to play or verify, so outside WATCH_LIMIT; under
//             CHAT_LIMIT). The worker is bundled on its own (Vite lists it as
//             an asset of the panel's chunk), so it shares no chunk with the
//             verifier.
//   nav       the NavBar's account menu, theme switch and Sidebar
//             (shell/NavExtras.tsx and what it imports: the session helper and
//             the account API client), loaded on every page after the shell
//             renders. Like the chat it is not needed to play or verify, so it
//             is outside WATCH_LIMIT, under NAV_LIMIT.
//   subscribers  a subscriber-only video's key access (player/key-access.tsx:
//             the key request, signed by the signer worker, or the lock),
//             loaded only on such a video's watch page before its player; a
//             public video never loads it, so it is outside WATCH_LIMIT, under
//             SUBSCRIBERS_LIMIT.
//   pages     the other pages (account pages, channel): lazy chunks the watch
//             page never loads, under PAGES_LIMIT.
//   billing   the payment bridge's pages (billing/: /plans, Checkout's
//             /billing/success and /billing/cancel, the SubscriptionModal a
//             channel opens, Settings' billing portal section, /link-key
//             that brings a subscription to another gateway), each loaded
//             lazily from the router, the channel or Settings: outside the
//             pages group, under BILLING_LIMIT.
//   operator  the operators' forensic log page (/forensics: entries,
//             checkpoint, exports, bundle verification), loaded only there,
//             under OPERATOR_LIMIT.
//   live      the live pages (live/LivePage.tsx at /live/{stream}, with its
//             hls.js live settings and latency readout; live/StudioLive.tsx at
//             /studio/live): lazy chunks the watch page never loads, under
//             LIVE_LIMIT. hls.js, which the live page imports lazily too, is
//             the watch page's and is not counted twice; nor is the chat panel.
//   tips      the chat's tip button (tips/TipButton.tsx: the amount, the
//             Checkout redirect), which the chat panel loads once it has a
//             key, and the page Checkout returns to (tips/TipSuccess.tsx:
//             the receipt fetched for the next chat message): lazy chunks
//             the watch page never loads, under TIPS_LIMIT.
// Sizes are gzip level 9 of each file, summed. Exit 1 when all of the watch
// page's JS is over WATCH_LIMIT, or when the chunk graph is not what this
// script expects (a renamed page must not make the check pass by measuring
// nothing).
//
// Usage: node scripts/check-budget.mjs [--dist DIR] [--json]
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const KB = 1024
/** All JS of the watch page: the app, hls.js and the manifest verifier. */
export const WATCH_LIMIT = 150 * KB
/** The panels the watch page loads once playing (chat and its signer worker, gateways), beyond what it already loaded. */
export const CHAT_LIMIT = 30 * KB
/** The NavBar's lazily loaded part (account menu, theme, Sidebar), on every page. */
export const NAV_LIMIT = 6 * KB
/** A subscriber-only video's key access (its chunk, the signer and its worker), beyond what the watch page loaded. */
export const SUBSCRIBERS_LIMIT = 20 * KB
/** The other pages' own JS (each loaded only on its page). */
// 41 (was 40): the group counts the signer worker (the upload page signs with it), which carries every signed
// record's schema; chat's optional `tip` (a tip receipt, docs/specs/social.md § Tips) added 37 bytes there.
// 42 (was 41): the catalogue's reader (lib/catalogue-api.ts) became a chunk of its own, shared by home and the
// channel, to keep it off the watch page (~0.3 KB here), and the account keeps links made with other gateways.
export const PAGES_LIMIT = 42 * KB
/** The payment bridge's pages (plans, success, cancel, the subscription modal, Settings' billing section, /link-key). */
// 28 (was 12): /link-key signs (this key's profile record and an entitlements-request proof), so the group
// counts the signer worker (16.3 KB), as the pages group does; the pages' own code is ~10 KB.
export const BILLING_LIMIT = 28 * KB
/** The operators' forensic log page. */
export const OPERATOR_LIMIT = 12 * KB
/** The home page's catalogue (its cards, its loading and error states). */
export const HOME_LIMIT = 8 * KB

const ENTRY = 'index.html'
const WATCH_PAGE = 'src/pages/Watch.tsx'
const PLAYER = 'src/player/hls-engine.ts'
const VERIFIER = 'src/verify/verify.ts'
const CHAT = 'src/chat/ChatPanel.tsx'
/** The watch page's gateways panel (where segments came from, add a gateway): shown once the player has a source. */
const GATEWAYS = 'src/components/Gateways.tsx'
const NAV = 'src/shell/NavExtras.tsx'
/** A subscriber-only video's key (proof by the signer worker) or its lock: loaded only on such a video's watch page. */
const SUBSCRIBERS = 'src/player/key-access.tsx'
const PAGES = ['src/pages/Pages.tsx', 'src/account/AccountPages.tsx', 'src/pages/Channel.tsx', 'src/pages/Upload.tsx']
/** The payment bridge's pages: the router's, the channel's modal, Settings' section. */
const BILLING = ['src/billing/BillingPages.tsx', 'src/billing/SubscriptionModal.tsx', 'src/billing/BillingSettings.tsx']
const OPERATOR = 'src/pages/Forensics.tsx'
/** The catalogue: the home page's own chunk, so a watch link does not load it. */
const HOME = 'src/pages/Home.tsx'
/** The live pages: a stream's watch page (/live/{stream}) and the creator's studio (/studio/live). hls.js they share with the watch page is not counted again. */
const LIVE = ['src/live/LivePage.tsx', 'src/live/StudioLive.tsx']
/** The live pages' own JS (hls.js, already the watch page's, excluded). */
export const LIVE_LIMIT = 12 * KB
/** The tip button and the page back from Checkout. */
const TIPS = ['src/tips/TipButton.tsx', 'src/tips/TipSuccess.tsx']
/** Their own JS. */
export const TIPS_LIMIT = 6 * KB

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const distArg = args.indexOf('--dist')
const dist = distArg >= 0 ? args[distArg + 1] : (process.env.MHC_CLIENT_OUT_DIR ?? join(here, '..', 'dist'))
const asJson = args.includes('--json')

function fail (msg) {
  process.stderr.write(`budget: ${msg}\n`)
  process.exit(1)
}

const manifestPath = join(dist, '.vite', 'manifest.json')
if (!existsSync(manifestPath)) fail(`no ${manifestPath}: run vite build (build.manifest must be on)`)
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
for (const key of [ENTRY, WATCH_PAGE, PLAYER, VERIFIER, CHAT, GATEWAYS, NAV, SUBSCRIBERS, ...PAGES, ...BILLING, OPERATOR, HOME, ...LIVE, ...TIPS]) {
  if (manifest[key] === undefined) fail(`Vite's manifest has no chunk for ${key}; update scripts/check-budget.mjs if it moved`)
}

/** Keys reachable from `roots` through static imports (and dynamic ones when asked, except into `skip`). */
function closure (roots, { dynamic = false, skip = [] } = {}) {
  const seen = new Set()
  const stack = [...roots]
  while (stack.length > 0) {
    const key = stack.pop()
    if (seen.has(key) || skip.includes(key)) continue
    seen.add(key)
    const chunk = manifest[key]
    if (chunk === undefined) fail(`manifest refers to unknown chunk ${key}`)
    stack.push(...(chunk.imports ?? []))
    if (dynamic) stack.push(...(chunk.dynamicImports ?? []))
  }
  return seen
}

const files = new Map()
function sizeOf (file) {
  let s = files.get(file)
  if (s === undefined) {
    const bytes = readFileSync(join(dist, file))
    s = { file, raw: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength, text: bytes.toString('utf8') }
    files.set(file, s)
  }
  return s
}
const jsFiles = keys => [...new Set([...keys].map(k => manifest[k].file).filter(f => f.endsWith('.js')))]
const total = list => list.reduce((sum, f) => sum + sizeOf(f).gzip, 0)

const home = jsFiles(closure([ENTRY]))
const watch = jsFiles(closure([ENTRY, WATCH_PAGE, PLAYER]))
/**
 * What loads after the watch page can play and verify, or on other pages
 * only: each group its own limit, kept out of WATCH_LIMIT, and each root a
 * dynamic import (the build fails if one becomes a static one). A new lazy
 * piece is one row here.
 */
const LATER = [
  { key: 'chat', roots: [CHAT, GATEWAYS], limit: CHAT_LIMIT, label: 'chat + signer worker + gateways panel    ', what: 'the watch page\'s panels (chat, gateways)' },
  // On every page: what it loads is never counted again in another group.
  { key: 'nav', roots: [NAV], limit: NAV_LIMIT, label: 'NavBar account menu + Sidebar, later    ', what: 'the NavBar\'s lazy part', everyPage: true },
  { key: 'subscribers', roots: [SUBSCRIBERS], limit: SUBSCRIBERS_LIMIT, label: 'subscriber-only key + signer worker      ', what: 'a subscriber-only video\'s key access' },
  { key: 'pages', roots: PAGES, limit: PAGES_LIMIT, label: 'other pages (account, channel, upload)  ', what: 'the other pages' },
  { key: 'billing', roots: BILLING, limit: BILLING_LIMIT, label: 'billing pages (plans, success, subscribe)', what: 'the billing pages' },
  { key: 'operator', roots: [OPERATOR], limit: OPERATOR_LIMIT, label: 'operator page (forensic log)            ', what: 'the operator page' },
  { key: 'catalogue', roots: [HOME], limit: HOME_LIMIT, label: 'home page catalogue                      ', what: 'the home page\'s catalogue' },
  { key: 'live', roots: LIVE, limit: LIVE_LIMIT, label: 'live pages (stream, studio)             ', what: 'the live pages' },
  { key: 'tips', roots: TIPS, limit: TIPS_LIMIT, label: 'tip button + page back from Checkout     ', what: 'the tip button and page' }
]
const laterRoots = LATER.flatMap(g => g.roots)
// The watch chunk imports the entry, whose dynamic imports are the other pages and the NavBar's lazy part: not the watch page's.
const watchAll = jsFiles(new Set([...closure([ENTRY]), ...closure([WATCH_PAGE], { dynamic: true, skip: laterRoots })]))
const deferred = watchAll.filter(f => !watch.includes(f))
const later = {}
let workers = []
let everyPage = []
// Every-page groups first, so the others can leave their files out.
for (const g of [...LATER].sort((a, b) => Number(b.everyPage === true) - Number(a.everyPage === true))) {
  const keys = closure(g.roots, { dynamic: true, skip: [WATCH_PAGE, ...laterRoots.filter(r => !g.roots.includes(r))] })
  // Workers are bundled on their own; Vite lists them as assets of the chunk that starts them.
  const own = [...keys].flatMap(k => (manifest[k].assets ?? []).filter(f => f.endsWith('.js')))
  workers = [...workers, ...own]
  later[g.key] = [...new Set([...jsFiles(keys), ...own])].filter(f => !watchAll.includes(f) && !everyPage.includes(f))
  if (g.everyPage === true) everyPage = [...everyPage, ...later[g.key]]
}
const css = [...new Set(Object.values(manifest).flatMap(c => c.css ?? []))]

// The player closure must really contain hls.js, and the home page must not.
const hlsVersion = JSON.parse(readFileSync(join(here, '..', '..', 'node_modules', 'hls.js', 'package.json'), 'utf8')).version
const versionLiteral = new RegExp(`["'\`]${hlsVersion.replaceAll('.', '\\.')}["'\`]`)
const hasHls = list => list.some(f => versionLiteral.test(sizeOf(f).text))
if (!hasHls(jsFiles(closure([PLAYER])))) fail(`the player chunk does not contain hls.js ${hlsVersion}: is it measured at all?`)
if (hasHls(home)) fail('hls.js is in the home page\'s JS: it must stay behind the dynamic import in VideoPlayer')
if (!deferred.includes(manifest[VERIFIER].file) && !watch.includes(manifest[VERIFIER].file)) fail('the verifier chunk is not reachable from the watch page')
if (!closure([WATCH_PAGE], { dynamic: true }).has(CHAT)) fail('the watch page does not load the chat panel at all')
for (const lazy of laterRoots) {
  if (closure([ENTRY, WATCH_PAGE, PLAYER, VERIFIER]).has(lazy)) fail(`${lazy} is a static import of the entry or the watch page: it must load lazily`)
}
if (!workers.some(f => /signer\.worker/.test(f))) fail('the chat\'s signer worker is not in the build: is the panel signing at all?')

const kb = n => (n / KB).toFixed(1).padStart(7)
const figures = {
  home: total(home),
  watch: total(watch),
  deferred: total(deferred),
  watchAll: total(watchAll),
  ...Object.fromEntries(LATER.map(g => [g.key, total(later[g.key])])),
  css: css.reduce((s, f) => s + sizeOf(f).gzip, 0),
  limits: { watchAll: WATCH_LIMIT, ...Object.fromEntries(LATER.map(g => [g.key, g.limit])) },
  hls: hlsVersion,
  files: [...new Set([...watchAll, ...Object.values(later).flat(), ...css])].map(f => {
    const s = sizeOf(f)
    return { file: f, raw: s.raw, gzip: s.gzip, home: home.includes(f), watch: watch.includes(f), deferred: deferred.includes(f), ...Object.fromEntries(LATER.map(g => [g.key, later[g.key].includes(f)])) }
  })
}

if (asJson) {
  process.stdout.write(JSON.stringify(figures) + '\n')
} else {
  const out = []
  out.push('file                                         raw KB   gzip KB  home watch deferred chat  nav subs pages bill oper cata live tips')
  for (const r of figures.files) {
    const mark = b => (b ? '  x  ' : '     ')
    out.push(`${r.file.padEnd(42)} ${kb(r.raw)}  ${kb(r.gzip)}  ${mark(r.home)}${mark(r.watch)}${mark(r.deferred)}   ${LATER.map(g => mark(r[g.key])).join('')}`)
  }
  out.push('')
  out.push(`home page JS (gzip)                        ${kb(figures.home)} KB`)
  out.push(`watch page JS to play, hls.js ${hlsVersion} incl.  ${kb(figures.watch)} KB`)
  out.push(`watch page JS deferred (verification)      ${kb(figures.deferred)} KB`)
  out.push(`watch page JS, all                         ${kb(figures.watchAll)} KB   limit ${kb(WATCH_LIMIT)} KB`)
  for (const g of LATER) out.push(`${g.label}   ${kb(figures[g.key])} KB   limit ${kb(g.limit)} KB`)
  out.push(`CSS (not in the JS budget)                 ${kb(figures.css)} KB`)
  process.stdout.write(out.join('\n') + '\n')
}

if (figures.watchAll > WATCH_LIMIT) {
  fail(`the watch page loads ${(figures.watchAll / KB).toFixed(1)} KB of gzipped JS (${(figures.watch / KB).toFixed(1)} to play + ${(figures.deferred / KB).toFixed(1)} verification), over the ${WATCH_LIMIT / KB} KB budget`)
}
for (const g of LATER) {
  if (figures[g.key] > g.limit) fail(`${g.what} load ${(figures[g.key] / KB).toFixed(1)} KB of gzipped JS, over their ${g.limit / KB} KB budget`)
}
if (!asJson) process.stdout.write('budget: OK\n')
