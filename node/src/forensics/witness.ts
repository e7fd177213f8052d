/**
 * A witness (c2sp.org/tlog-witness): this node cosigns other nodes'
 * forensic-log checkpoints, after checking each one is consistent with the
 * last it cosigned for that log. It answers `POST <url>/add-checkpoint` on
 * its own address (config `witness`), for the logs listed in `witnessLogs`,
 * and keeps, per log, the latest checkpoint it cosigned (DIR/witness,
 * fsynced before it answers). It cosigns with the node key, under the name
 * of its own log's origin (docs/specs/forensics.md#witnesses).
 */
import type { AbortOptions, Signer, Startable } from '@mhc/protocols'
import type { Logger } from 'pino'
import { DefaultWitness } from './witness-service.js'

/** A log this witness cosigns: its origin line and its checkpoints' verifier key (C2SP signed-note, Ed25519). */
export interface WitnessedLog {
  origin: string
  vkey: string
}

/** One add-checkpoint answer, exactly as it goes on the wire. */
export interface WitnessAnswer {
  status: 200 | 400 | 403 | 404 | 409 | 422
  contentType: string
  body: string
}

export interface Witness extends Startable {
  /** The cosigner name: this node's own log origin. */
  readonly name: string
  /** The cosignature/v1 verifier key logs configure (`witnesses[].vkey`). */
  readonly vkey: string
  /** The submission prefix (`http://HOST:PORT`), once listening. */
  readonly url: string
  /** Handle one add-checkpoint request body; what the HTTP route answers. Never throws for bad input. */
  addCheckpoint(body: Uint8Array, options?: AbortOptions): Promise<WitnessAnswer>
  /** The latest checkpoint cosigned for `origin` (with this witness's cosignature), if any. */
  latest(origin: string, options?: AbortOptions): Promise<{ size: number, note: string } | undefined>
}

export interface WitnessInit {
  host: string
  /** 0: the OS picks; the bound URL is `url` (and `witness` in DIR/daemon.json). */
  port: number
  /** The LevelDB directory (DIR/witness). */
  dir: string
  /** The cosigner name (the node's forensic-log origin). */
  name: string
  logs: WitnessedLog[]
}

export interface WitnessComponents {
  /** The node key: signs cosignatures. */
  signer: Signer
  logger: Logger
}

/**
 * @example
 * const w = witness({ host: '127.0.0.1', port: 0, dir: join(repo, 'witness'), name: forensicOrigin(signer.publicKey), logs: [{ origin, vkey }] })({ signer, logger })
 * await w.start()
 * // logs POST their checkpoints to `${w.url}/add-checkpoint`
 */
export function witness (init: WitnessInit): (components: WitnessComponents) => Witness {
  return (components) => new DefaultWitness(components, init)
}
