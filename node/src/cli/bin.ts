#!/usr/bin/env node
import { main } from './index.js'
import type { CliIo } from './io.js'

const controller = new AbortController()
let interrupts = 0
const onSignal = (name: string): void => {
  interrupts++
  // The first signal aborts the command (a daemon stops cleanly); the second exits at once.
  if (interrupts > 1) process.exit(130)
  controller.abort(new Error(`interrupted by ${name}`))
}
process.on('SIGINT', () => { onSignal('SIGINT') })
process.on('SIGTERM', () => { onSignal('SIGTERM') })

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal, exitCode: 0 }
main(process.argv, io).then(code => {
  process.exitCode = code
}, err => {
  process.stderr.write(`error MHC_ERR_INTERNAL: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
