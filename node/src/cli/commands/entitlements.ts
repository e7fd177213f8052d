import { readFile } from 'node:fs/promises'
import { Command, Option } from '@commander-js/extra-typings'
import { type EntitlementView, entitlementStatus, entitlementView, PathNotReadableError, verifyEntitlement } from '@mhc/protocols'
import { defaultConfig, resolveConfig } from '../../config.js'
import { ed25519Verifier } from '../../crypto/ed25519-verify.js'
import { openRepo } from '../../store/repo.js'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'
import { unmarkKey } from '../keys.js'

/** One entitlement for people: what, whose, until when, and its state. */
export function showEntitlement (v: EntitlementView): string {
  const what = v.kind === 'tip' ? `tip ${v.amount ?? '?'} ${v.currency ?? ''}` : `${v.kind} ${v.tier ?? ''}`
  return [
    `${v.id}  ${what.trim()}  ${v.status}`,
    `  subject  ${v.subject}`,
    ...(v.creator === null ? [] : [`  creator  ${v.creator}`]),
    ...(v.video === null ? [] : [`  video    ${v.video}`]),
    `  valid    ${new Date(v.notBefore).toISOString()} .. ${new Date(v.notAfter).toISOString()}`,
    `  ref      ${v.ref}`,
    `  bridge   ${v.bridge}`
  ].join('\n')
}

/** An entitlement file: the envelope's bytes, or the same as base64url or hex text (what `ls --json` and the bridge's API give). */
export function entitlementBytes (data: Uint8Array): Uint8Array {
  const text = Buffer.from(data).toString('latin1').trim()
  if (/^(?:[0-9a-f]{2})+$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'))
  if (/^[A-Za-z0-9_-]+$/.test(text)) return new Uint8Array(Buffer.from(text, 'base64url'))
  return data
}

/** The bridge keys this machine trusts: the repo's config when there is one, then $MHC_BRIDGE_KEYS, as the daemon reads them. */
async function trustedBridgeKeys (io: CliIo, repo: string | undefined): Promise<readonly string[]> {
  const file = await openRepo(repoDir(io, repo)).then(r => r.config, () => defaultConfig())
  return resolveConfig(file, {}, io.env).bridgeKeys ?? []
}

export function entitlementsCommand (io: CliIo) {
  const cmd = new Command('entitlements').description('paid entitlements (tiers, subscriptions, tip receipts) signed by a trusted bridge')

  const ls = new Command('ls').description('the entitlements this node keeps, with their state now (valid, expired, not-yet-valid, revoked)')
    .option('--repo <dir>', REPO_HELP)
    .addOption(new Option('--subject <key>', 'only those held by this key (base64url)').argParser(unmarkKey))
    .option('--json', 'print one JSON array of {"id","kind","subject","creator","tier","amount","currency","video","notBefore","notAfter","ref","bridge","status","entitlement"}')
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const url = `/v1/entitlements${opts.subject === undefined ? '' : `?subject=${encodeURIComponent(opts.subject)}`}`
      const list = await api.json<EntitlementView[]>('GET', url, undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, list)
      else printLine(io, list.length === 0 ? 'no entitlements' : list.map(showEntitlement).join('\n'))
    }))
  example(ls, 'mhc entitlements ls --subject gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q --json | jq -r ".[].status"')

  const verify = new Command('verify').description('check an entitlement offline against the bridge keys of the repo\'s config and $MHC_BRIDGE_KEYS: exit 0 when valid now, 1 with the reason (revocations are the daemon\'s to know: not checked here)')
    .argument('<file>', 'the entitlement: envelope bytes, or base64url or hex text')
    .option('--repo <dir>', REPO_HELP)
    .action(async (file, opts) => run(io, false, async () => {
      let data: Uint8Array
      try {
        data = await readFile(file, { signal: io.signal })
      } catch (err) {
        throw new PathNotReadableError(`Cannot read ${file}`, { cause: err })
      }
      const now = Date.now()
      const e = await verifyEntitlement(entitlementBytes(data), { bridgeKeys: await trustedBridgeKeys(io, opts.repo), now, verify: ed25519Verifier() })
      printLine(io, showEntitlement(entitlementView(e, entitlementStatus(e, now))))
    }))
  example(verify, 'mhc entitlements verify fan.entitlement && echo valid')

  cmd.addCommand(ls as unknown as Command)
  cmd.addCommand(verify as unknown as Command)
  example(cmd, 'mhc entitlements ls')
  return cmd
}
