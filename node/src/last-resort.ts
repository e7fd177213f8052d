/**
 * The daemon's last resort for promise rejections nobody handled. Node's
 * default (`--unhandled-rejections=throw`) ends the process, so one bad
 * request or job (a library rejecting from a queue it never awaits, as
 * Helia's pin walker does on a missing block) would take every other peer,
 * viewer and upload down with it. The daemon logs such a rejection at
 * `error` (an operator should look: it is a bug somewhere) and keeps serving.
 * Uncaught synchronous exceptions keep Node's default: the process state is
 * unknown after one, so the daemon exits and its supervisor restarts it.
 */
import type { Logger } from 'pino'

/** What this needs from `process`: a test can pass an EventEmitter. */
export interface RejectionSource {
  on(event: 'unhandledRejection', listener: (reason: unknown, promise: Promise<unknown>) => void): unknown
  off(event: 'unhandledRejection', listener: (reason: unknown, promise: Promise<unknown>) => void): unknown
}

export interface LastResortComponents {
  logger: Logger
  /** Default: the current process. */
  process?: RejectionSource
}

/**
 * Install the handler; returns the function that removes it. Install it once,
 * in the process's composition root (the `mhc daemon` command), for the life
 * of the node.
 *
 * @example
 * ```ts
 * const uninstall = lastResort({ logger })
 * try { await runDaemon() } finally { uninstall() }
 * ```
 */
export function lastResort (components: LastResortComponents): () => void {
  const source = components.process ?? process
  const log = components.logger.child({ component: 'daemon:last-resort' })
  let count = 0
  const onRejection = (reason: unknown): void => {
    count++
    log.error({ err: reason, count }, 'unhandled promise rejection; the daemon keeps serving')
  }
  source.on('unhandledRejection', onRejection)
  return () => { source.off('unhandledRejection', onRejection) }
}
