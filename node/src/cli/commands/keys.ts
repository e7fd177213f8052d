import { Command, InvalidArgumentError } from '@commander-js/extra-typings'
import type { KeyDelegationView } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'
import { keyArgument } from '../keys.js'

const VIEW_FIELDS = '{"direction","creator","node","kind","issued","notBefore","notAfter","status","keys","delivered"?,"record"}'

/** One delegation for people: to or from whom, its window and state. */
export function showDelegation (v: KeyDelegationView): string {
  const window = v.notBefore === null || v.notAfter === null ? '' : `  ${new Date(v.notBefore).toISOString()} .. ${new Date(v.notAfter).toISOString()}`
  return [
    `${v.direction === 'given' ? `to ${v.node}` : `from ${v.creator}`}  ${v.status}${window}`,
    `  keys     ${v.keys}`,
    ...(v.delivered === undefined ? [] : [`  handed   ${v.delivered ? 'now' : 'when that node next connects'}`])
  ].join('\n')
}

function days (value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || n > 400) throw new InvalidArgumentError('expected days between 0 and 400')
  return n
}

export function keysCommand (io: CliIo) {
  const cmd = new Command('keys').description('subscriber-only videos\' content keys: delegate serving them to another node (docs/specs/content-keys.md)')

  const delegate = new Command('delegate').description('let another node (its node key) serve the keys of this node\'s subscriber-only videos, also while this node is offline: signs a delegation and hands it over with the keys')
    .addArgument(keyArgument('<node-key>', 'the delegated node\'s key, base64url (its `mhc id` publicKey)'))
    .option('--days <n>', 'how long the delegation holds (default 30, at most 400)', days)
    .option('--repo <dir>', REPO_HELP)
    .option('--json', `print one JSON object ${VIEW_FIELDS}`)
    .action(async (node, opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const v = await api.json<KeyDelegationView>('POST', '/v1/keys/delegations', { node, ...(opts.days === undefined ? {} : { days: opts.days }) }, { signal: io.signal })
      if (opts.json === true) printJson(io, v)
      else printLine(io, showDelegation(v))
    }))
  example(delegate, 'mhc keys delegate 3q2x…nodeKey --days 90')

  const list = new Command('delegations').description('the delegations this node gave and those it holds from creators, with their state now')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', `print one JSON array of ${VIEW_FIELDS}`)
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const list = await api.json<KeyDelegationView[]>('GET', '/v1/keys/delegations', undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, list)
      else printLine(io, list.length === 0 ? 'no delegations' : list.map(showDelegation).join('\n'))
    }))
  example(list, 'mhc keys delegations --json | jq -r ".[] | select(.direction == \\"given\\") | .node"')

  const revoke = new Command('revoke-delegation').description('end a delegation before it expires: signs a revocation and hands it to that node, which drops the keys')
    .addArgument(keyArgument('<node-key>', 'the delegated node\'s key, base64url'))
    .option('--repo <dir>', REPO_HELP)
    .option('--json', `print one JSON object ${VIEW_FIELDS}`)
    .action(async (node, opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const v = await api.json<KeyDelegationView>('POST', '/v1/keys/delegations/revoke', { node }, { signal: io.signal })
      if (opts.json === true) printJson(io, v)
      else printLine(io, showDelegation(v))
    }))
  example(revoke, 'mhc keys revoke-delegation 3q2x…nodeKey')

  cmd.addCommand(delegate as unknown as Command)
  cmd.addCommand(list as unknown as Command)
  cmd.addCommand(revoke as unknown as Command)
  example(cmd, 'mhc keys delegations')
  return cmd
}
