import { InvalidArgumentError } from '@commander-js/extra-typings'
import { resolveRepoDir } from '../store/repo.js'
import { type CliIo, fail } from './io.js'

/** Help for the `--repo` flag every verb takes. */
export const REPO_HELP = 'repo directory (default: $MHC_REPO or ~/.mhc)'

export function repoDir (io: CliIo, repo: string | undefined): string {
  return resolveRepoDir(repo, io.env)
}

/** Run an action; any error becomes exit 1 with the documented error output. */
export async function run (io: CliIo, json: boolean, action: () => Promise<void>): Promise<void> {
  try {
    await action()
  } catch (err) {
    fail(io, err, json)
  }
}

/** `--help` of every verb ends with an example. */
export function example (cmd: { addHelpText(position: 'after', text: string): unknown }, text: string): void {
  cmd.addHelpText('after', `\nExample:\n  ${text}\n`)
}

/** Parse a `--timeout <seconds>` flag into milliseconds; a bad value is a usage error (exit 2). */
export function parseSeconds (value: string): number {
  const s = Number(value)
  if (!Number.isFinite(s) || s < 0.1 || s > 3600) throw new InvalidArgumentError('expected seconds between 0.1 and 3600')
  return Math.round(s * 1000)
}
