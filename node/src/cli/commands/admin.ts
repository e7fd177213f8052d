import { Command } from '@commander-js/extra-typings'
import { type KeyRolesList, ROLES, type Role, WireFormatError } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'
import { keyArgument } from '../keys.js'

function role (value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new WireFormatError(`Unknown role ${value}: one of ${ROLES.join(', ')}`)
  return value as Role
}

/** `mhc admin grant|revoke|ls`: the roles this node (and its gateway's accounts) give keys. */
export function adminCommand (io: CliIo) {
  const cmd = new Command('admin').description('roles this node gives keys: a gateway account holds the roles of its keys')
  const change = (verb: 'grant' | 'revoke', what: string): Command => {
    const sub = new Command(verb).description(what).addArgument(keyArgument('<key>', 'a public key, base64url (43 characters)')).argument('<role>', ROLES.join(' | '))
      .option('--repo <dir>', REPO_HELP)
      .option('--json', 'print {"key","role"} (and errors as JSON)')
      .action(async (key, name, opts) => run(io, opts.json === true, async () => {
        const api = await ApiClient.connect(repoDir(io, opts.repo))
        await api.json('POST', `/v1/admin/${verb}`, { key, role: role(name) }, { signal: io.signal })
        if (opts.json === true) printJson(io, { key, role: name })
        else io.stderr.write(`${verb === 'grant' ? 'granted' : 'revoked'} ${name} ${verb === 'grant' ? 'to' : 'from'} ${key}\n`)
      }))
    example(sub, `mhc admin ${verb} ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ creator`)
    return sub as unknown as Command
  }
  cmd.addCommand(change('grant', 'give a key a role'))
  cmd.addCommand(change('revoke', 'take a role from a key'))
  const ls = new Command('ls').description('every key that holds a role').option('--repo <dir>', REPO_HELP).option('--json', 'print [{"key","roles"}]')
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const list = await api.json<KeyRolesList>('GET', '/v1/admin/roles', undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, list)
      else if (list.length > 0) printLine(io, list.map(e => `${e.key}  ${e.roles.join(', ')}`).join('\n'))
    }))
  cmd.addCommand(ls as unknown as Command)
  return cmd
}
