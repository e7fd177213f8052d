/**
 * The gateway's table of upload jobs stays bounded: beyond `settledKept`
 * published or failed jobs, the oldest are forgotten, while jobs still
 * transcoding (or queued to) and drafts waiting for a signature are never
 * dropped. The node's publisher is stood in for at its interface
 * (GatewayDrafts): this is the gateway's bookkeeping, not a transcode; the
 * node tests (node/test/gateway/upload-*.test.ts) run the real publisher.
 */
import { DraftExpiredError, MediaInvalidError, type PublishResult, type VideoManifest } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { pino } from 'pino'
import t from 'tap'
import type { GatewayDrafts, NodeDraft } from '../src/uploads/jobs.js'
import { UploadJobs } from '../src/uploads/jobs.js'

const KEY = 'A'.repeat(43)
const manifest = (title: string): VideoManifest => ({
  v: 1, title, description: '', creator: KEY, created: '2026-11-28T00:00:00Z', root: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', master: 'master.m3u8',
  duration: 2, renditions: [], licence: 'CC0-1.0', splits: [{ recipient: KEY, bps: 10000 }]
})

/** Each upload's outcome is decided by the test: a draft, a failure, or held until released. */
class Outcomes implements GatewayDrafts {
  readonly drafts = new Map<string, NodeDraft>()
  private readonly held = new Map<string, Promise<'draft' | 'fail'>>()

  hold (id: string): (outcome: 'draft' | 'fail') => void {
    let release: (outcome: 'draft' | 'fail') => void = () => {}
    this.held.set(id, new Promise(resolve => { release = resolve }))
    return outcome => { release(outcome) }
  }

  async draft (input: { id: string, title?: string }): Promise<NodeDraft> {
    const outcome = await (this.held.get(input.id) ?? (input.id.startsWith('d') ? 'draft' : 'fail'))
    if (outcome === 'fail') throw new MediaInvalidError()
    const draft = { id: input.id, manifest: manifest(input.title ?? input.id), payload: new Uint8Array([1]), expires: '2026-12-01T00:00:00Z' }
    this.drafts.set(input.id, draft)
    return draft
  }

  async getDraft (id: string): Promise<NodeDraft | undefined> {
    if (id === 'expired') throw new DraftExpiredError()
    return this.drafts.get(id)
  }

  async publishDraft (id: string): Promise<PublishResult> {
    this.drafts.delete(id)
    return { manifest: 'bafyreid', root: 'bafybei', title: id, duration: 2, renditions: [] }
  }

  async discardDraft (id: string): Promise<void> {
    this.drafts.delete(id)
  }
}

t.test('upload jobs kept in memory', async t => {
  const outcomes = new Outcomes()
  const jobs = new UploadJobs({ drafts: outcomes, logger: pino({ level: 'silent' }), removeUpload: async () => {} }, { settledKept: 2 })
  t.teardown(async () => { await jobs.close() })
  const start = (id: string): void => { jobs.start({ id, path: `/nowhere/${id}`, owner: 'ada', metadata: { title: id } }) }
  const settles = async (id: string, state: 'draft' | 'failed' | 'published'): Promise<void> => {
    await eventually(() => jobs.owned(id, 'ada')?.state === state, { ms: 5000, what: `${id} to be ${state}` })
  }

  t.test('beyond settledKept published or failed jobs, the oldest are forgotten; a draft waiting to be signed stays', async t => {
    start('d1')
    await settles('d1', 'draft')
    for (const id of ['f1', 'f2', 'f3', 'f4']) {
      start(id)
      await settles(id, 'failed')
    }
    t.same(jobs.ids(), ['d1', 'f3', 'f4'], 'the two newest failures and the draft')
  })

  t.test('a transcode running or queued is never forgotten, however many settle', async t => {
    const release = ['r1', 'r2', 'r3'].map(id => outcomes.hold(id))
    for (const id of ['r1', 'r2', 'r3']) start(id)
    t.same(jobs.ids(), ['d1', 'f4', 'r1', 'r2', 'r3'], 'room made for one more settled job: f3 went, no running job did')
    release[0]?.('fail')
    release[1]?.('draft')
    release[2]?.('fail')
    await settles('r3', 'failed')
    t.equal(jobs.owned('r2', 'ada')?.state, 'draft')
    start('f5')
    await settles('f5', 'failed')
    t.same(jobs.ids(), ['d1', 'r2', 'r3', 'f5'], 'the oldest settled (f4, r1) went; both drafts stayed')
  })

  t.test('a published job is settled, and goes in its turn', async t => {
    const d1 = jobs.owned('d1', 'ada')
    if (d1 === undefined) throw new Error('d1 was forgotten')
    await jobs.publish(d1, new Uint8Array([1]))
    t.equal(d1.state, 'published')
    start('f6')
    await settles('f6', 'failed')
    t.same(jobs.ids(), ['r2', 'f5', 'f6'], 'd1, the oldest job, published: forgotten first; r3 with it')
  })

  t.test('after a restart, a draft the node kept is found again, by its creator\'s account only', async t => {
    outcomes.drafts.set('kept', { id: 'kept', manifest: manifest('kept'), payload: new Uint8Array([1]), expires: '2026-12-01T00:00:00Z' })
    t.equal(await jobs.find('kept', 'bob', ['B'.repeat(43)]), undefined, 'an account without the creator key: not found')
    const job = await jobs.find('kept', 'ada', [KEY])
    t.match(job, { id: 'kept', owner: 'ada', state: 'draft' })
    t.match(await jobs.draftOf(job as NonNullable<typeof job>), { upload: 'kept', expires: '2026-12-01T00:00:00Z' })
    await t.rejects(jobs.find('expired', 'ada', [KEY]), { code: 'MHC_ERR_DRAFT_EXPIRED' }, 'an expired draft is a 410')
    t.equal(await jobs.find('unknown', 'ada', [KEY]), undefined)
  })
})
