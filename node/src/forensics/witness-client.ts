/**
 * The log's side of c2sp.org/tlog-witness: each new checkpoint of this
 * node's forensic log goes to every configured witness (config
 * `witnesses`), with a consistency proof from the size that witness last
 * cosigned; the cosignatures that verify against the configured vkeys are
 * attached to the checkpoint's note. Each witness has its own worker, its
 * own deadline per request and its own backoff: a witness that is down
 * delays nothing but its own cosignature, and never an append.
 */
import type { AbortOptions, Startable } from '@mhc/protocols'
import type { Logger } from 'pino'
import type { CheckpointView, Forensics } from './index.js'
import { DefaultWitnessClient } from './witness-client-service.js'

/** A witness this log asks: the URL prefix of its add-checkpoint, and its cosignature/v1 verifier key. */
export interface WitnessTarget {
  url: string
  vkey: string
}

export interface WitnessState {
  url: string
  /** The witness's cosigner name (from its vkey). */
  name: string
  /** The size this log believes the witness last cosigned (0 until it has cosigned or told). */
  cosigned: number
  /** The last failure, until a success; null when the last request succeeded or none was made. */
  error: string | null
}

export interface WitnessClient extends Startable {
  /** Ask every witness now for the latest checkpoint (the event does it on its own); resolves once each has answered or failed. */
  cosign(options?: AbortOptions): Promise<CheckpointView | undefined>
  /** Where each witness stands. */
  witnesses(): WitnessState[]
}

export interface WitnessClientInit {
  witnesses: WitnessTarget[]
  /** Deadline of one request (default 10 s). */
  timeoutMs?: number
  /** First retry delay after a failure (default 1 s); it doubles per failure up to maxBackoffMs. */
  minBackoffMs?: number
  /** Longest retry delay (default 5 min). */
  maxBackoffMs?: number
}

export interface WitnessClientComponents {
  forensics: Pick<Forensics, 'latestCheckpoint' | 'consistency' | 'addCosignatures' | 'addEventListener' | 'removeEventListener'>
  logger: Logger
}

/**
 * @example
 * const client = witnessClient({ witnesses: [{ url: 'http://127.0.0.1:7380', vkey }] })({ forensics: log, logger })
 * await client.start()   // from now on every 'forensics:checkpoint' is sent for cosigning
 */
export function witnessClient (init: WitnessClientInit): (components: WitnessClientComponents) => WitnessClient {
  return (components) => new DefaultWitnessClient(components, init)
}
