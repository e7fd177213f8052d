import { basename, extname } from 'node:path'
import { globSource } from '@helia/unixfs'
import { InternalError, TITLE_MAX_LENGTH, type VideoManifest } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { IMPORT_OPTIONS } from '../content/import-options.js'
import { pinOnce } from '../content/pin.js'
import { SegmentEncryptor } from '../media/aes128.js'
import { type ContentKey, contentKeyUri } from '../money/content-keys.js'
import { EarlyImport } from './early-import.js'
import type { PublisherComponents, PublisherInit, PublishInput, PublishOptions } from './index.js'
import { createJob, type Job } from './journal.js'
import type { Stages } from './stages.js'
import { buildTree } from './tree.js'
import { abandonJob } from './undo.js'

/** A transcoded, pinned tree and its manifest, not yet signed. */
export interface Prepared {
  job: Job
  root: CID
  manifest: VideoManifest
  log: Logger
}

/**
 * File → HLS ladder (encrypted for subscribers) → pinned UnixFS tree → the manifest for `creator`, unsigned.
 * Undoes itself on failure: nothing stays pinned and no content key is left behind.
 */
export async function prepareVideo (
  components: PublisherComponents, init: PublisherInit, parentLog: Logger,
  input: PublishInput, creator: string, stages: Stages, options: PublishOptions
): Promise<Prepared> {
  const { signal } = options
  const subscribers = input.audience === 'subscribers'
  const keys = components.contentKeys
  if (subscribers && keys === undefined) throw new InternalError('This node keeps no content keys: it cannot publish subscriber-only videos')
  const job = await createJob(init.stagingDir)
  const log = parentLog.child({ job: job.record.id })
  let contentKey: ContentKey | undefined
  try {
    stages.progress('publish:probe')
    // Finished segments go into the blockstore while ffmpeg still encodes the
    // rest, so the import after the encode finds their blocks already there.
    const early = new EarlyImport(components.unixfs, job.outDir, signal)
    // A subscriber-only video's segments are encrypted as they close, and imported once encrypted.
    contentKey = subscribers ? await keys?.create(creator, { signal }) : undefined
    const encryptor = contentKey === undefined ? undefined : new SegmentEncryptor(job.outDir, contentKey.key, contentKeyUri(contentKey.id), signal)
    const media = await components.transcoder.transcode(input.path, job.outDir, {
      signal,
      onProgress: (e) => {
        if (e.type === 'transcode:segment') {
          if (encryptor === undefined) early.add(e.detail.file)
          else encryptor.add(e.detail.file, file => { early.add(file) })
        } else if (e.type === 'transcode:probe') stages.progress('publish:probe')
        else if (e.type === 'transcode:encode') stages.progress('publish:encode', e.detail.percent)
      }
    })
    if (encryptor !== undefined) {
      await encryptor.finish({ signal })
      stages.lap('encrypt')
    }
    stages.progress('publish:import')
    const imported = await early.settled()
    stages.lap('earlyImportTail')
    // Segments were hashed as they closed; the rest (playlists, init segments, poster) is hashed now, once.
    let root = await buildTree(components, job.outDir, imported, { signal })
    if (root === undefined) {
      // Only for a directory the importer would shard (thousands of segments): its HAMT layout is the importer's to make.
      log.debug('directory too large for a flat node; importing the tree with the importer')
      for await (const entry of components.unixfs.addAll(globSource(job.outDir, '**/*'), { ...IMPORT_OPTIONS, wrapWithDirectory: true, signal })) {
        root = entry.cid
      }
    }
    if (root === undefined) throw new InternalError('UnixFS import produced no root')

    stages.progress('publish:pin')
    // A root pinned before (the same encode published twice) is not ours to undo.
    if (!await components.pins.isPinned(root, { signal })) {
      await job.save({ root: root.toString() })
      await pinOnce(components.pins, root, { signal })
    }
    const manifest: VideoManifest = {
      v: 1,
      title: (input.title ?? basename(input.path, extname(input.path))).slice(0, TITLE_MAX_LENGTH) || 'Untitled',
      description: input.description ?? '',
      creator,
      created: new Date().toISOString(),
      root: root.toString(),
      master: media.master,
      duration: media.duration,
      renditions: media.renditions,
      ...(media.poster === undefined ? {} : { poster: media.poster }),
      licence: input.licence ?? init.defaultLicence ?? 'All rights reserved',
      splits: [{ recipient: creator, bps: 10000 }],
      ...(contentKey === undefined ? {} : { audience: 'subscribers' as const, keyId: contentKey.id })
    }
    return { job, root, manifest, log }
  } catch (err) {
    await abandonJob(components.pins, job, log)
    if (contentKey !== undefined) await keys?.delete(contentKey.id).catch(e => log.warn({ err: e }, 'could not delete the content key of a failed publish'))
    throw err
  }
}
