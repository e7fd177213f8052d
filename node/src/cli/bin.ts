#!/usr/bin/env node
import type { CliIo } from './io.js'

// libp2p 3 and Helia 7 fail at import time on older Nodes with cryptic errors; say it plainly first.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`error MHC_ERR_CONFIG_INVALID: mhc needs Node.js >= 22.19 (this is ${process.version}); run it through ./mhc or npm start, which use the project's Node 24\n`)
  process.exit(1)
}

const { AbortedError } = await import('@mhc/protocols')
const controller = new AbortController()
let interrupts = 0
const onSignal = (name: string): void => {
  interrupts++
  // The first signal aborts the command (a daemon stops cleanly); the second exits at once.
  if (interrupts > 1) process.exit(130)
  controller.abort(new AbortedError(`interrupted by ${name}`))
}
process.on('SIGINT', () => { onSignal('SIGINT') })
process.on('SIGTERM', () => { onSignal('SIGTERM') })

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal: controller.signal, exitCode: 0 }
const { main } = await import('./index.js')
main(process.argv, io).then(code => {
  process.exitCode = code
}, err => {
  process.stderr.write(`error MHC_ERR_INTERNAL: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
