import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import type { AbortOptions, CatalogueEntry, ProgressOptions, PublishProgress, PublishResult, Signer, Startable } from '@mhc/protocols'
import type { Blockstore } from 'interface-blockstore'
import type { Logger } from 'pino'
import type { Catalogue } from '../catalogue/index.js'
import type { Distributor } from '../distribute/index.js'
import type { Transcoder } from '../media/index.js'
import { DefaultPublisher } from './publisher.js'

export interface PublishInput {
  path: string
  title?: string
  description?: string
  licence?: string
}

export interface PublishOptions extends AbortOptions, ProgressOptions<{ type: PublishProgress['type'], detail: PublishProgress }> {}

export interface RecoveryReport {
  /** Jobs removed because they never reached the catalogue. */
  discarded: number
  /** Jobs that had committed; only their staging files were left. */
  completed: number
}

/** start() undoes what a killed process left half done; stop() has nothing to release (callers abort their publishes). */
export interface Publisher extends Startable {
  /** File → HLS ladder → pinned UnixFS tree → signed manifest → catalogue → provide + announce. */
  publish(input: PublishInput, options?: PublishOptions): Promise<PublishResult>
  /** Undo what a killed process left half done. Run once at start, before any publish. */
  recover(options?: AbortOptions): Promise<RecoveryReport>
}


export interface PublisherComponents {
  transcoder: Pick<Transcoder, 'transcode'>
  unixfs: Pick<UnixFS, 'addAll'>
  blockstore: Pick<Blockstore, 'put'>
  pins: Pick<Pins, 'add' | 'rm' | 'isPinned'>
  catalogue: Pick<Catalogue, 'put' | 'has'>
  signer: Signer
  distributor: Pick<Distributor, 'distribute'>
  logger: Logger
}

export interface PublisherInit {
  stagingDir: string
  /** Licence written into manifests when the publisher names none. */
  defaultLicence?: string
}

export function publisher (init: PublisherInit): (components: PublisherComponents) => Publisher {
  return (components) => new DefaultPublisher(components, init)
}

export type { CatalogueEntry }
