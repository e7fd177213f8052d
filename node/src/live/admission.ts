import type { Writable } from 'node:stream'
import type { IngestFormat } from './ladder-args.js'

/** A publisher let in: where its bytes go, and what to call once it is gone. */
export interface Admission {
  stream: string
  input: Writable
  release(): void
}

/** Let a publisher in by its key, or throw LiveKeyError, LiveBusyError or LiveEndedError. */
export type Admit = (key: string, format: IngestFormat) => Admission
