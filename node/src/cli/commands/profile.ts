import { resolve } from 'node:path'
import { Command, Option } from '@commander-js/extra-typings'
import { type ProfileSetRequest, ProfileView } from '@mhc/protocols'
import { Compile } from 'typebox/compile'
import { ApiClient } from '../client.js'
import { example, parseSeconds, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine, terminalText } from '../io.js'
import { keyArgument } from '../keys.js'
import { assertReadableFile } from './publish.js'

const profileView = Compile(ProfileView)

/** A profile for people: the name and short key, then one field a line; every string someone else wrote is made terminal-safe. */
export function showProfile (p: ProfileView): string {
  const indent = (text: string): string => terminalText(text, { newlines: true }).replaceAll('\n', '\n         ')
  return [
    `${terminalText(p.name)} (${p.key.slice(0, 8)})`,
    `key      ${p.key}`,
    `bio      ${p.bio === '' ? '-' : indent(p.bio)}`,
    `avatar   ${p.avatar ?? '-'}`,
    `links    ${p.links.length === 0 ? '-' : p.links.map(l => terminalText(l)).join('\n         ')}`,
    `updated  ${new Date(p.updated).toISOString()}`
  ].join('\n')
}

function print (io: CliIo, view: ProfileView, json: boolean): void {
  if (!profileView.Check(view)) throw new TypeError('The daemon answered with something that is not a profile')
  if (json) printJson(io, view)
  else printLine(io, showProfile(view))
}

export function profileCommand (io: CliIo) {
  const cmd = new Command('profile').description('this node\'s signed profile (name, bio, avatar, links), and anyone\'s by key')

  const set = new Command('set').description('sign and publish a new record of this node\'s profile; what you leave out stays as it was')
    .option('--repo <dir>', REPO_HELP)
    .option('--name <name>', 'display name: one line, 1-32 characters, no markup')
    .option('--bio <text>', 'plain text, up to 500 characters ("" clears it)')
    .option('--avatar <file>', 'a PNG, JPEG, WebP or GIF image of at most 1 MiB, added and pinned')
    .option('--no-avatar', 'remove the avatar')
    .option('--link <url...>', 'an http(s) link, up to 5 (replaces the list)')
    .option('--json', 'print the new profile as {"key","name","bio","avatar","links","updated"}')
    .action(async (opts) => run(io, opts.json === true, async () => {
      const body: ProfileSetRequest = {
        ...(opts.name === undefined ? {} : { name: opts.name }),
        ...(opts.bio === undefined ? {} : { bio: opts.bio }),
        ...(opts.link === undefined ? {} : { links: opts.link }),
        ...(opts.avatar === false ? { avatar: null } : {})
      }
      if (typeof opts.avatar === 'string') {
        // The daemon reads the file (it runs on this machine, as for `mhc add`), so it gets an absolute path.
        const path = resolve(opts.avatar)
        await assertReadableFile(path)
        body.avatar = path
      }
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      print(io, await api.json<ProfileView>('POST', '/v1/profile', body, { signal: io.signal }), opts.json === true)
    }))
  example(set, 'mhc profile set --name Ada --bio "Films about looms" --avatar ada.png --link https://example.org/ada')

  const show = new Command('show').description('a profile: this node\'s, or KEY\'s (from this node\'s cache, else asked of connected peers)')
    .addArgument(keyArgument('[key]', 'the key (base64url) whose profile to show; default this node\'s'))
    .option('--repo <dir>', REPO_HELP)
    .addOption(new Option('--timeout <seconds>', 'how long to ask peers for a key not known here').argParser(parseSeconds))
    .option('--json', 'print {"key","name","bio","avatar","links","updated"} (avatar null when there is none, updated in ms since the epoch)')
    .action(async (key, opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const url = key === undefined ? '/v1/profile' : `/v1/profile/${encodeURIComponent(key)}${opts.timeout === undefined ? '' : `?timeoutMs=${opts.timeout}`}`
      print(io, await api.json<ProfileView>('GET', url, undefined, { signal: io.signal }), opts.json === true)
    }))
  example(show, 'mhc profile show ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ --json')

  cmd.addCommand(set as unknown as Command)
  cmd.addCommand(show as unknown as Command)
  example(cmd, 'mhc profile set --name Ada && mhc profile show --json')
  return cmd
}
