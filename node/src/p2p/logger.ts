/**
 * libp2p and Helia log through a debug-style `ComponentLogger`; this adapts
 * our pino child to it. Their chatter goes to pino's `trace` (errors to
 * `debug`: libp2p logs routine failures, such as a refused dial, as errors).
 */
import { format } from 'node:util'
import type { ComponentLogger, Logger as Libp2pLogger } from '@libp2p/interface'
import type { Logger } from 'pino'

export function libp2pLogger (root: Logger): ComponentLogger {
  return { forComponent: (name: string) => make(root.child({ component: name })) }
}

function make (log: Logger): Libp2pLogger {
  const enabled = log.isLevelEnabled('trace')
  const fn = ((formatter: unknown, ...args: unknown[]) => {
    if (enabled) log.trace(format(formatter, ...args))
  }) as Libp2pLogger
  fn.error = (formatter: unknown, ...args: unknown[]) => {
    if (log.isLevelEnabled('debug')) log.debug(format(formatter, ...args))
  }
  fn.trace = fn
  fn.enabled = enabled
  fn.newScope = (name: string) => make(log.child({ scope: name }))
  return fn
}
