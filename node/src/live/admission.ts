import type { Writable } from 'node:stream'
import type { IngestFormat } from './ladder-args.js'

/** A publisher let in: where its bytes go, and what to call once it is gone. */
export interface Admission {
  stream: string
  input: Writable
  release(): void
}

/**
 * Let a publisher in by its key, or throw LiveKeyError, LiveBusyError or
 * LiveEndedError. `cut` disconnects the publisher: the service calls it when
 * the session ends without it (its input was not media, the stream was ended).
 */
export type Admit = (key: string, format: IngestFormat, cut: () => void) => Admission
