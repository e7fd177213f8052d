/**
 * Publish jobs work in DIR/staging/<job>/ and record how far they got in
 * job.json, so that a process killed at any moment can be cleaned up at the
 * next start: the catalogue entry is the commit point; anything before it
 * is undone (unpinned, staging removed), anything after it is kept.
 *
 * A draft (a browser upload transcoded and pinned, waiting for its creator's
 * signature) is a job stopped before signing with `draft` recorded: the next
 * start restores it rather than undoing it, until it expires.
 */

import { randomUUID } from 'node:crypto'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeAtomic } from '../store/repo.js'

export interface JobRecord {
  id: string
  started: string
  /** Set once the HLS tree is about to be pinned. */
  root?: string
  /** Set once the manifest block is about to be pinned. */
  manifest?: string
  /** Set once the job became a draft: its tree is pinned and its manifest waits to be signed elsewhere. */
  draft?: DraftRecord
}

export interface DraftRecord {
  /** The draft's id (the upload's). */
  id: string
  /** RFC 3339 time the draft was ready to sign: its lifetime counts from here. */
  ready: string
  /** The unsigned manifest's RFC 8785 canonical JSON, base64url: the exact payload to be signed. */
  payload: string
}

export interface Job {
  record: JobRecord
  dir: string
  /** Where ffmpeg writes the HLS tree. */
  outDir: string
  save(update: Partial<JobRecord>): Promise<void>
  remove(): Promise<void>
}

export async function createJob (stagingDir: string): Promise<Job> {
  const id = randomUUID()
  const dir = join(stagingDir, id)
  await mkdir(join(dir, 'hls'), { recursive: true })
  const job = openJob(dir, { id, started: new Date().toISOString() })
  await job.save({})
  return job
}

function openJob (dir: string, record: JobRecord): Job {
  const file = join(dir, 'job.json')
  return {
    record,
    dir,
    outDir: join(dir, 'hls'),
    async save (update) {
      Object.assign(record, update)
      await writeAtomic(file, JSON.stringify(record))
    },
    async remove () {
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** Jobs left by an earlier process; a job whose record is unreadable still gets removed. */
export async function leftoverJobs (stagingDir: string): Promise<Job[]> {
  let names: string[]
  try {
    names = await readdir(stagingDir)
  } catch {
    return []
  }
  const jobs: Job[] = []
  for (const name of names) {
    const dir = join(stagingDir, name)
    let record: JobRecord = { id: name, started: '' }
    try {
      const parsed = JSON.parse(await readFile(join(dir, 'job.json'), 'utf8')) as Partial<JobRecord>
      record = {
        id: name,
        started: typeof parsed.started === 'string' ? parsed.started : '',
        ...(typeof parsed.root === 'string' ? { root: parsed.root } : {}),
        ...(typeof parsed.manifest === 'string' ? { manifest: parsed.manifest } : {}),
        ...(isDraftRecord(parsed.draft) ? { draft: parsed.draft } : {})
      }
    } catch { /* torn or missing record: nothing was pinned under it that we know of */ }
    jobs.push(openJob(dir, record))
  }
  return jobs
}

function isDraftRecord (value: unknown): value is DraftRecord {
  if (typeof value !== 'object' || value === null) return false
  const d = value as Record<string, unknown>
  return typeof d.id === 'string' && typeof d.ready === 'string' && typeof d.payload === 'string'
}
