/**
 * The log of a repo whose daemon is not running, opened directly (for
 * `mhc forensics verify --local`): the repo lock is taken for the walk, so
 * a daemon cannot start and append meanwhile.
 */
import { stat } from 'node:fs/promises'
import { type AbortOptions, forensicOrigin } from '@mhc/protocols'
import { lockRepo, openRepo } from '../store/repo.js'
import { LogStore } from './store.js'
import { type VerifyLogOptions, type VerifyReport, verifyLog } from './verify.js'

export async function verifyLocal (dir: string, options: VerifyLogOptions & AbortOptions = {}): Promise<VerifyReport> {
  const repo = await openRepo(dir)
  const unlock = await lockRepo(repo.paths)
  try {
    const origin = forensicOrigin(repo.privateKey.publicKey.raw)
    // A node that never started has no log yet: an empty log is intact.
    if (!await stat(repo.paths.forensics).then(() => true, () => false)) return await verifyLog(EMPTY, repo.privateKey.publicKey.raw, origin, options)
    const store = new LogStore(repo.paths.forensics)
    await store.open({ readOnly: true })
    try {
      return await verifyLog(store, repo.privateKey.publicKey.raw, origin, options)
    } finally {
      await store.close()
    }
  } finally {
    await unlock()
  }
}

const EMPTY: Parameters<typeof verifyLog>[0] = {
  state: async () => undefined,
  checkpoint: async () => undefined,
  batches: async function * () {},
  hash: async () => undefined
}
