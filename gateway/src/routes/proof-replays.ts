/**
 * Spent proofs (key requests, entitlements requests): each is good for one
 * request, on one gateway or across several behind a load balancer. This
 * instance's memory first (a replay to it never reaches Redis), then, with
 * Redis configured, `SET NX` with what is left of the proof's freshness
 * window as its expiry, so another instance refuses it too. A Redis outage
 * does not refuse proofs: for its length a proof could be replayed once on
 * each other instance, which costs less than every subscriber's playback.
 */
import { ContentKeyProofReplayedError, KEY_REQUEST_FRESHNESS_MS, ReplayCache, type ReplayCacheInit } from '@mhc/protocols'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'

export interface ProofReplays {
  /** Spend `proof`; rejects with ContentKeyProofReplayedError when it was spent (here or, with Redis, on another instance). */
  use(proof: { sig: string, payload: { ts: number } }, now: number): Promise<void>
}

export interface ProofReplaysInit extends ReplayCacheInit {
  /** Share spent proofs with the other instances (config `redisUrl`). */
  redis?: Redis | undefined
  /** Keys' prefix in Redis: one per kind of proof. */
  namespace: string
  log?: FastifyBaseLogger | undefined
}

export function proofReplays (init: ProofReplaysInit): ProofReplays {
  const local = new ReplayCache(init)
  const windowMs = init.windowMs ?? KEY_REQUEST_FRESHNESS_MS
  const { redis } = init
  return {
    async use (proof, now) {
      local.use(proof, now)
      if (redis === undefined) return
      let set: string | null
      try {
        set = await redis.set(`${init.namespace}${proof.sig}`, '1', 'PX', Math.max(1, proof.payload.ts + windowMs - now), 'NX')
      } catch (err) {
        init.log?.warn({ err: (err as Error).message }, 'redis unavailable: a proof is checked against this instance only')
        return
      }
      if (set === null) throw new ContentKeyProofReplayedError('The proof was used already, on another gateway of this site')
    }
  }
}
