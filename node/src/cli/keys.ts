/**
 * Public keys are 43 base64url characters, and one in 64 starts with '-',
 * which a command-line parser reads as options (a key starting `-h` even as
 * a request for help). main() marks such tokens before parsing, and every
 * argument that takes a key is a keyArgument(), which takes the mark off.
 * No option of ours is 43 characters long, so nothing else is touched.
 */
import { Argument } from '@commander-js/extra-typings'

const KEY_STARTING_WITH_DASH = /^-[A-Za-z0-9_-]{42}$/
const MARK = 'mhc-key:'

export function markKeys (argv: string[]): string[] {
  return argv.map(a => KEY_STARTING_WITH_DASH.test(a) ? MARK + a : a)
}

/** A positional argument that takes a key (`<key>`, or `[key]` when optional). */
export function keyArgument<N extends string> (name: N, description: string) {
  return new Argument(name, description).argParser((v: string) => v.startsWith(MARK) ? v.slice(MARK.length) : v)
}

/** An option's value that takes a key (`--subject <key>`): the mark taken off, as keyArgument does. */
export function unmarkKey (value: string): string {
  return value.startsWith(MARK) ? value.slice(MARK.length) : value
}
