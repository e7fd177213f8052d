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

/**
 * Text someone else wrote, made safe for a terminal: control characters
 * (escape sequences that recolour or rewrite the screen) and bidirectional
 * overrides are shown as `\uXXXX` escapes. Signed names and bios cannot hold
 * them (the schemas refuse them); this holds whatever a future version lets through.
 */
export function terminalText (text: string, { newlines = false } = {}): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is escaped
  const unsafe = newlines ? /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g : /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
  return text.replace(unsafe, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
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
