import type { AbortOptions } from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import type { PublisherComponents } from './index.js'
import type { Job } from './journal.js'

type Pins = PublisherComponents['pins']

/** Unpin what an unfinished job pinned. Blocks stay until garbage collection. */
export async function undoPins (pins: Pins, root: string | undefined, manifest: string | undefined, log: Logger, options: AbortOptions = {}): Promise<void> {
  for (const text of [manifest, root]) {
    if (text === undefined) continue
    const cid = CID.parse(text)
    if (await pins.isPinned(cid, options)) {
      for await (const _ of pins.rm(cid, options)) { /* consume */ }
    }
    log.debug({ cid: text }, 'unpinned unfinished publish')
  }
}

/** Unpin what an unfinished job pinned, and remove its staging. Never throws: a job left behind is undone at the next start. */
export async function abandonJob (pins: Pins, job: Job, log: Logger): Promise<void> {
  await undoPins(pins, job.record.root, job.record.manifest, log).catch(e => log.warn({ err: e }, 'undo failed; the next start retries'))
  await job.remove().catch(() => {})
}
