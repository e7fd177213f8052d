import { access, constants, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Command, Option } from '@commander-js/extra-typings'
import { errorFromCode, InternalError, MhcError, PathNotReadableError, PublishLine, type PublishResult } from '@mhc/protocols'
import { Compile } from 'typebox/compile'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, formatDuration, printJson, printLine } from '../io.js'
import { ndjson } from '../ndjson.js'
import { progressView } from '../progress.js'

export function publishCommand (io: CliIo) {
  const cmd = new Command('publish').description('turn a video into a pinned, signed, adaptive HLS stream and announce it').argument('<file>')
    .option('--repo <dir>', REPO_HELP)
    .option('--title <title>', 'title (default: the file name)')
    .option('--description <text>', 'description', '')
    .option('--licence <licence>', 'licence written into the manifest: an SPDX id such as CC-BY-4.0, or free text (default: All rights reserved)')
    .addOption(new Option('--audience <who>', 'who may play it: public, or subscribers (segments encrypted, the key served only to subscribers)').choices(['public', 'subscribers'] as const).default('public' as const))
    .option('--json', 'print {"manifest","root","title","duration","renditions"}')
    .option('--quiet', 'no progress bar')
    .action(async (file, opts) => run(io, opts.json === true, async () => {
      const path = resolve(file)
      await assertReadableFile(path)
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const res = await api.request('POST', '/v1/publish', {
        path,
        ...(opts.title === undefined ? {} : { title: opts.title }),
        description: opts.description,
        ...(opts.licence === undefined ? {} : { licence: opts.licence }),
        ...(opts.audience === 'subscribers' ? { audience: 'subscribers' } : {})
      }, { signal: io.signal })
      const view = progressView(io, opts.json !== true && opts.quiet !== true)
      let result: PublishResult | undefined
      try {
        for await (const msg of ndjson(res, publishLine, 'publish stream line')) {
          if (msg.type === 'result') result = msg.result
          else if (msg.type === 'error') throw errorFromCode(msg.error.code, msg.error.message)
          else view.update(msg)
        }
      } finally {
        view.stop()
      }
      if (result === undefined) throw new InternalError('The daemon closed the publish stream without a result')
      if (opts.json === true) {
        printJson(io, result)
        return
      }
      const gateway = api.info.gateway
      printLine(io, [
        `published  ${result.title} (${formatDuration(result.duration)})`,
        `manifest   ${result.manifest}`,
        `root       ${result.root}`,
        ...(result.audience === undefined ? [] : [`audience   ${result.audience} (segments encrypted; the key is served by this node)`]),
        ...result.renditions.map(r => `rendition  ${r.name.padEnd(6)} ${r.width === null ? 'audio' : `${r.width}x${r.height ?? ''}`}  ${Math.round(r.bandwidth / 1000)} kb/s  ${r.codecs}`),
        ...(gateway === null ? [] : [`watch      ${gateway}/watch/${result.manifest}`])
      ].join('\n'))
    }))
  example(cmd, 'mhc publish talk.mp4 --title "My talk" --licence CC-BY-4.0')
  example(cmd, 'mhc publish bonus.mp4 --audience subscribers')
  return cmd
}

/** Fail fast, before talking to the daemon, on a path nobody can read. */
export async function assertReadableFile (path: string): Promise<void> {
  try {
    await access(path, constants.R_OK)
    if (!(await stat(path)).isFile()) throw new PathNotReadableError(`${path} is not a regular file`)
  } catch (err) {
    if (err instanceof MhcError) throw err
    throw new PathNotReadableError(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err })
  }
}

const publishLine = Compile(PublishLine)
