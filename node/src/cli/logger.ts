import { type Logger, pino } from 'pino'
import type { CliIo } from './io.js'

/** The process's one pino root: stderr only (stdout is for results), secrets redacted. */
export function rootLogger (io: CliIo): Logger {
  return pino({
    level: io.env.MHC_LOG_LEVEL ?? 'info',
    redact: ['token', '*.token', 'privateKey', '*.privateKey', 'authorization', '*.authorization']
  }, pino.destination({ fd: 2, sync: false }))
}
