import { basename, extname } from 'node:path'
import { globSource } from '@helia/unixfs'
import type { AbortOptions } from '@mhc/protocols'
import { InternalError, type PublishProgress, type PublishResult, sealManifest, TITLE_MAX_LENGTH, toBase64url, type VideoManifest } from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { IMPORT_OPTIONS } from '../content/import-options.js'
import { pinOnce } from '../content/pin.js'
import { EarlyImport } from './early-import.js'
import type { Publisher, PublisherComponents, PublisherInit, PublishInput, PublishOptions, RecoveryReport } from './index.js'
import { createJob, leftoverJobs } from './journal.js'
import { buildTree } from './tree.js'

export class DefaultPublisher implements Publisher {
  private readonly log: Logger

  constructor (private readonly components: PublisherComponents, private readonly init: PublisherInit) {
    this.log = components.logger.child({ component: 'publisher' })
  }

  async publish (input: PublishInput, options: PublishOptions = {}): Promise<PublishResult> {
    options.signal?.throwIfAborted()
    const { signal, onProgress } = options
    // Wall time per stage, logged with the result: where a slow publish spent its time.
    const stages: Record<string, number> = {}
    let stage = 'publish:probe'
    let since = performance.now()
    const progress = (type: PublishProgress['type'], percent?: number): void => {
      if (type !== stage) {
        stages[stage] = Math.round(performance.now() - since)
        stage = type
        since = performance.now()
      }
      onProgress?.({ type, detail: { type, ...(percent === undefined ? {} : { percent }) } })
    }
    const job = await createJob(this.init.stagingDir)
    const log = this.log.child({ job: job.record.id })
    let committed = false
    try {
      progress('publish:probe')
      // Finished segments go into the blockstore while ffmpeg still encodes the
      // rest, so the import after the encode finds their blocks already there.
      const early = new EarlyImport(this.components.unixfs, job.outDir, signal)
      const media = await this.components.transcoder.transcode(input.path, job.outDir, {
        signal,
        onProgress: (e) => {
          if (e.type === 'transcode:segment') early.add(e.detail.file)
          else if (e.type === 'transcode:probe') progress('publish:probe')
          else if (e.type === 'transcode:encode') progress('publish:encode', e.detail.percent)
        }
      })
      progress('publish:import')
      const imported = await early.settled()
      stages.earlyImportTail = Math.round(performance.now() - since)
      // Segments were hashed as they closed; the rest (playlists, init segments, poster) is hashed now, once.
      let root = await buildTree(this.components, job.outDir, imported, { signal })
      if (root === undefined) {
        // Only for a directory the importer would shard (thousands of segments): its HAMT layout is the importer's to make.
        log.debug('directory too large for a flat node; importing the tree with the importer')
        for await (const entry of this.components.unixfs.addAll(globSource(job.outDir, '**/*'), { ...IMPORT_OPTIONS, wrapWithDirectory: true, signal })) {
          root = entry.cid
        }
      }
      if (root === undefined) throw new InternalError('UnixFS import produced no root')

      progress('publish:pin')
      // A root pinned before (the same encode published twice) is not ours to undo.
      if (!await this.components.pins.isPinned(root, { signal })) {
        await job.save({ root: root.toString() })
        await pinOnce(this.components.pins, root, { signal })
      }

      progress('publish:sign')
      const manifest: VideoManifest = {
        v: 1,
        title: (input.title ?? basename(input.path, extname(input.path))).slice(0, TITLE_MAX_LENGTH) || 'Untitled',
        description: input.description ?? '',
        creator: toBase64url(this.components.signer.publicKey),
        created: new Date().toISOString(),
        root: root.toString(),
        master: media.master,
        duration: media.duration,
        renditions: media.renditions,
        ...(media.poster === undefined ? {} : { poster: media.poster }),
        licence: input.licence ?? this.init.defaultLicence ?? 'All rights reserved',
        splits: [{ recipient: toBase64url(this.components.signer.publicKey), bps: 10000 }]
      }
      const sealed = await sealManifest(manifest, this.components.signer, { signal })
      await job.save({ manifest: sealed.cid.toString() })
      await this.components.blockstore.put(sealed.cid, sealed.bytes, { signal })
      await pinOnce(this.components.pins, sealed.cid, { signal })

      // The commit point: from here on the video exists.
      signal?.throwIfAborted()
      progress('publish:catalogue')
      await this.components.catalogue.put({
        manifest: sealed.cid.toString(),
        root: root.toString(),
        title: manifest.title,
        duration: manifest.duration,
        published: manifest.created
      })
      committed = true
      stages[stage] = Math.round(performance.now() - since)
      await job.remove()
      log.info({ manifest: sealed.cid.toString(), root: root.toString(), ms: stages }, 'video published')

      // Findability is best effort and bounded: the video is already published.
      await this.components.distributor.distribute(sealed.cid, root, {
        signal,
        onProgress: e => {
          if (e.type === 'distribute:announce') progress('publish:announce')
          else if (e.type === 'distribute:provide') progress('publish:provide')
        }
      })

      return {
        manifest: sealed.cid.toString(),
        root: root.toString(),
        title: manifest.title,
        duration: manifest.duration,
        renditions: manifest.renditions.map(r => ({
          name: r.name,
          width: r.width ?? null,
          height: r.height ?? null,
          bandwidth: r.bandwidth,
          codecs: r.codecs,
          frameRate: r.frameRate ?? null
        }))
      }
    } catch (err) {
      if (!committed) {
        await this.undo(job.record.root, job.record.manifest, log).catch(e => log.warn({ err: e }, 'undo failed; the next start retries'))
        await job.remove().catch(() => {})
      }
      throw err
    }
  }

  /** Cleans up after a killed process before the first publish. */
  async start (options: AbortOptions = {}): Promise<void> {
    await this.recover(options)
  }

  async stop (): Promise<void> {}

  async recover (options: AbortOptions = {}): Promise<RecoveryReport> {
    const report: RecoveryReport = { discarded: 0, completed: 0 }
    for (const job of await leftoverJobs(this.init.stagingDir)) {
      options.signal?.throwIfAborted()
      const { manifest, root } = job.record
      if (manifest !== undefined && await this.components.catalogue.has(manifest, options)) {
        report.completed++
      } else {
        await this.undo(root, manifest, this.log, options)
        report.discarded++
      }
      await job.remove()
    }
    if (report.discarded + report.completed > 0) this.log.info(report, 'cleaned up interrupted publishes')
    return report
  }

  /** Unpin what an unfinished job pinned. Blocks stay until garbage collection. */
  private async undo (root: string | undefined, manifest: string | undefined, log: Logger, options: AbortOptions = {}): Promise<void> {
    for (const text of [manifest, root]) {
      if (text === undefined) continue
      const cid = CID.parse(text)
      if (await this.components.pins.isPinned(cid, options)) await drain(this.components.pins.rm(cid, options))
      log.debug({ cid: text }, 'unpinned unfinished publish')
    }
  }
}

async function drain (it: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of it) { /* consume */ }
}
