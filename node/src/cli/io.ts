/**
 * What every verb shares: its output rules (stdout for results, stderr for
 * everything else, one JSON document with --json) and its abort signal.
 */
import { AbortedError, InternalError, isMhcError } from '@mhc/protocols'

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
  /** Lines typed by the user (interactive verbs); absent in tests that type nothing. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean }
  /** Aborted on Ctrl-C. */
  signal: AbortSignal
  exitCode: number
}

export function printJson (io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value) + '\n')
}

export function printLine (io: CliIo, text: string): void {
  io.stdout.write(text + '\n')
}

/** Report a failed operation: exit 1, `error CODE: message` on stderr, or the JSON error on stdout. */
export function fail (io: CliIo, err: unknown, json: boolean): void {
  const code = io.signal.aborted ? AbortedError.code : isMhcError(err) ? err.code : InternalError.code
  const message = err instanceof Error ? err.message : String(err)
  if (json) printJson(io, { error: { code, message } })
  else io.stderr.write(`error ${code}: ${message}\n`)
  io.exitCode = io.signal.aborted ? 130 : 1
}

export { formatDuration } from '@mhc/protocols'
