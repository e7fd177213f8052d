import { Command } from '@commander-js/extra-typings'
import { parseCid, type VideoManifest } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, parseSeconds, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, formatDuration, printJson, printLine } from '../io.js'

export function manifestCommand (io: CliIo) {
  const cmd = new Command('manifest').description("fetch a video manifest, verify its signature and print it").argument('<cid>', 'manifest CID')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print {"cid","manifest"}')
    .option('--timeout <seconds>', 'give up when no peer delivers within this time', parseSeconds)
    .action(async (cidText, opts) => run(io, opts.json === true, async () => {
      parseCid(cidText)
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const res = await api.json<{ cid: string, manifest: VideoManifest }>('GET', `/v1/manifest/${encodeURIComponent(cidText)}${opts.timeout === undefined ? '' : `?timeoutMs=${opts.timeout}`}`, undefined, { signal: io.signal })
      if (opts.json === true) {
        printJson(io, res)
        return
      }
      const m = res.manifest
      printLine(io, [
        `manifest     ${res.cid} (signature verified)`,
        `title        ${m.title}`,
        `creator      ${m.creator}`,
        `created      ${m.created}`,
        `duration     ${formatDuration(m.duration)}`,
        `root         ${m.root}`,
        `licence      ${m.licence}`,
        ...m.renditions.map(r => `rendition    ${r.name.padEnd(6)} ${r.width === undefined ? 'audio' : `${r.width}x${r.height ?? ''}@${r.frameRate ?? ''}`}  ${Math.round(r.averageBandwidth / 1000)}/${Math.round(r.bandwidth / 1000)} kb/s  ${r.codecs}`),
        ...m.splits.map(s => `split        ${(s.bps / 100).toFixed(2)}%  ${s.recipient}`)
      ].join('\n'))
    }))
  example(cmd, 'mhc manifest bafyrei... --json | jq .manifest.title')
  return cmd
}
