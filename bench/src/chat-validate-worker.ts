/**
 * A worker thread of bench/chat's validation throughput: with its own
 * SocialValidator (node:crypto verifier, rate limit out of the way) it
 * validates its share of the messages once to warm up (JIT, key cache),
 * posts `ready`, and on `go` validates them again and posts how many it
 * accepted. The parent times from `go`, so thread start-up is not counted.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { ed25519Verifier } from '@mhc/node'
import { SocialValidator } from '@mhc/protocols'

export interface ValidateJob { topic: string, messages: Uint8Array[] }
export type ValidateMessage = { type: 'ready' } | { type: 'done', accepted: number }

const job = workerData as ValidateJob
const verify = ed25519Verifier()

async function pass (): Promise<number> {
  // A fresh validator each pass: the first pass's replay memory would refuse every message of the second.
  const validator = new SocialValidator({ now: Date.now, isMuted: () => false, verify }, { rate: { burst: 1e9, perSecond: 1e9 } })
  let accepted = 0
  for (const m of job.messages) if ((await validator.validate(job.topic, m)).verdict === 'accept') accepted++
  return accepted
}

await pass()
parentPort?.once('message', () => {
  void pass().then(accepted => { parentPort?.postMessage({ type: 'done', accepted } satisfies ValidateMessage) })
})
parentPort?.postMessage({ type: 'ready' } satisfies ValidateMessage)
