/** The set-up the forensics CLI tests share: a daemon on a fresh repo that published one clip and granted one role. */
import { join } from 'node:path'
import type { IdInfo, PublishResult } from '@mhc/protocols'
import type { Test } from 'tap'
import { makeRepo, removeRepo, startDaemon, type TestDaemon } from '../../src/testing/daemon-process.js'
import { makeClip, tempDir } from '../helpers/media.js'

/** The key the set-up grants the moderator role to: the second entry of the log. */
export const MODERATOR = 'ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ'

export interface Published {
  work: string
  repo: string
  d: TestDaemon
  me: IdInfo
  manifest: string
  /** Stops the daemon now (the teardown then leaves it alone). */
  stop: () => Promise<void>
}

/** Log entry 0: the node publishes `title`; entry 1: it grants MODERATOR the moderator role. */
export async function publishedDaemon (t: Test, title: string): Promise<Published> {
  const work = await tempDir(t)
  const repo = await makeRepo()
  t.teardown(async () => { await removeRepo(repo) })
  const clip = await makeClip(join(work, 'clip.mp4'), { seconds: 2 })
  const d = await startDaemon({ repo })
  let running = true
  t.teardown(async () => { if (running) await d.stop() })
  const me = JSON.parse((await d.cli(['id', '--json'])).stdout) as IdInfo
  const pub = await d.cli(['publish', clip, '--json', '--title', title])
  t.equal(pub.code, 0, pub.stderr)
  const { manifest } = JSON.parse(pub.stdout) as PublishResult
  t.equal((await d.cli(['admin', 'grant', MODERATOR, 'moderator'])).code, 0)
  return { work, repo, d, me, manifest, stop: async () => { running = false; await d.stop() } }
}
