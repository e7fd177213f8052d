import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { Command, Option } from '@commander-js/extra-typings'
import { ChatLine, PathNotReadableError, parseCid, toBase64url } from '@mhc/protocols'
import { Compile } from 'typebox/compile'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine, terminalText } from '../io.js'
import { keyArgument } from '../keys.js'
import { ndjson } from '../ndjson.js'
import { entitlementBytes } from './entitlements.js'

const chatLine = Compile(ChatLine)

/** `HH:MM:SS  name (short key)  [tipped €7.00]  text`, one message a line for people; the name is the author's profile name once one is known. */
export function show (m: ChatLine): string {
  const time = new Date(m.ts).toISOString().slice(11, 19)
  const tip = m.tip === undefined ? '' : `[tipped ${money(m.tip.amount, m.tip.currency)}]  `
  return `${time}  ${terminalText(m.profileName ?? m.name)} (${m.author.slice(0, 8)})  ${tip}${m.replyTo === null ? '' : `↪ ${m.replyTo.slice(-8)}  `}${terminalText(m.text, { newlines: true })}`
}

/** Minor units in their currency (Intl knows each currency's digits). */
function money (amount: number, currency: string): string {
  try {
    const f = new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() })
    return f.format(amount / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2))
  } catch {
    return `${amount} ${currency} minor units`
  }
}

export function chatCommand (io: CliIo) {
  const cmd = new Command('chat').description('chat under a video: the history, then live messages; a line you type is sent').argument('<manifest>', 'the video\'s manifest CID')
    .option('--repo <dir>', REPO_HELP)
    .option('--send <text>', 'send one message and exit once it is published')
    .option('--reply-to <id>', 'with --send: the id of the message you answer')
    .option('--tip <file>', 'with --send: a tip receipt issued to this node\'s key (envelope bytes, or base64url or hex text, as `mhc entitlements verify` reads): the message carries it')
    .option('--name <name>', 'the display name shown next to your key (default mhc-<short key>)')
    .option('--follow', 'print the history, then live messages, until interrupted')
    .addOption(new Option('--json', 'print one JSON object per message: {"id","author","name","text","ts","seq","replyTo"} (NDJSON); with --send, the sent message\'s {"id","author","kind","ts","seq"}'))
    .action(async (manifestText, opts, command) => {
      // A usage error (exit 2), before anything runs.
      if (opts.tip !== undefined && opts.send === undefined) command.error('error: --tip goes with --send', { exitCode: 2, code: 'mhc.usage' })
      await run(io, opts.json === true, async () => {
        const manifest = parseCid(manifestText).toString()
        const tip = opts.tip === undefined ? undefined : toBase64url(entitlementBytes(await readTip(opts.tip, io.signal)))
        const api = await ApiClient.connect(repoDir(io, opts.repo))
        const send = async (text: string): Promise<{ id: string }> => await api.json('POST', `/v1/social/${manifest}/messages`, {
          kind: 'chat',
          text,
          ...(opts.replyTo === undefined ? {} : { replyTo: opts.replyTo }),
          ...(tip === undefined ? {} : { tip }),
          ...(opts.name === undefined ? {} : { name: opts.name })
        }, { signal: io.signal })
        if (opts.send !== undefined) {
          const sent = await send(opts.send)
          if (opts.json === true) printJson(io, sent)
          else io.stderr.write(`sent ${sent.id}\n`)
          return
        }
        const interactive = opts.follow !== true && opts.json !== true && io.stdin?.isTTY === true
        const follow = opts.follow === true || interactive
        if (interactive && io.stdin !== undefined) {
          // Lines typed go out as messages while the feed prints above them.
          const rl = createInterface({ input: io.stdin, terminal: false })
          rl.on('line', line => {
            if (line.trim() === '') return
            send(line).catch((err: unknown) => { io.stderr.write(`not sent: ${(err as Error).message}\n`) })
          })
          io.signal.addEventListener('abort', () => { rl.close() }, { once: true })
        }
        try {
          const res = await api.request('GET', `/v1/social/${manifest}/messages${follow ? '?follow=true' : ''}`, undefined, { signal: io.signal })
          for await (const m of ndjson(res, chatLine, 'chat line')) {
            if (opts.json === true) printJson(io, m)
            else printLine(io, show(m))
          }
        } catch (err) {
          // Ctrl-C ends a follow: that is how it is meant to stop.
          if (io.signal.aborted && follow) return
          throw err
        }
      })
    })
  example(cmd, 'mhc chat bafyrei... --send "great talk" --name Ada --tip tip.entitlement')
  return cmd
}

async function readTip (file: string, signal: AbortSignal): Promise<Uint8Array> {
  try {
    return await readFile(file, { signal })
  } catch (err) {
    throw new PathNotReadableError(`Cannot read ${file}`, { cause: err })
  }
}

export function reactCommand (io: CliIo) {
  const cmd = new Command('react').description('react to a video with an emoji (👍 ❤️ 😂 😮 😢 🔥 👏 🎉)').argument('<manifest>', 'the video\'s manifest CID').argument('<emoji>')
    .option('--repo <dir>', REPO_HELP)
    .option('--name <name>', 'the display name shown next to your key')
    .option('--json', 'print the sent reaction\'s {"id","author","kind","ts","seq"}')
    .action(async (manifestText, emoji, opts) => run(io, opts.json === true, async () => {
      const manifest = parseCid(manifestText).toString()
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const sent = await api.json<{ id: string }>('POST', `/v1/social/${manifest}/messages`, { kind: 'reaction', emoji, ...(opts.name === undefined ? {} : { name: opts.name }) }, { signal: io.signal })
      if (opts.json === true) printJson(io, sent)
      else io.stderr.write(`sent ${sent.id}\n`)
    }))
  example(cmd, 'mhc react bafyrei... 🔥')
  return cmd
}

export function muteCommand (io: CliIo) {
  const cmd = new Command('mute').description('stop showing and relaying an author\'s messages on this node (their key, base64url)').addArgument(keyArgument('<key>', 'the author\'s public key, base64url'))
    .option('--repo <dir>', REPO_HELP)
    .action(async (key, opts) => run(io, false, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      await api.json('POST', '/v1/mute', { key }, { signal: io.signal })
      io.stderr.write(`muted ${key}\n`)
    }))
  cmd.addCommand(new Command('ls').description('the muted keys, one a line').option('--repo <dir>', REPO_HELP).option('--json', 'print a JSON array of keys')
    .action(async (opts, ls) => run(io, opts.json === true, async () => {
      // `--repo` may land on `mute` (it takes one too) when written after `ls`.
      const repo = opts.repo ?? (ls.optsWithGlobals() as { repo?: string }).repo
      const api = await ApiClient.connect(repoDir(io, repo))
      const keys = await api.json<string[]>('GET', '/v1/mute', undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, keys)
      else if (keys.length > 0) printLine(io, keys.join('\n'))
    })) as unknown as Command)
  example(cmd, 'mhc mute ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ')
  return cmd
}

export function unmuteCommand (io: CliIo) {
  const cmd = new Command('unmute').description('show an author\'s messages again').addArgument(keyArgument('<key>', 'the author\'s public key, base64url'))
    .option('--repo <dir>', REPO_HELP)
    .action(async (key, opts) => run(io, false, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      await api.json('POST', '/v1/unmute', { key }, { signal: io.signal })
      io.stderr.write(`unmuted ${key}\n`)
    }))
  example(cmd, 'mhc unmute ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ')
  return cmd
}
