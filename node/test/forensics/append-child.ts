/**
 * The child of the kill -9 spec: appends through the real service, keeping
 * `inFlight` appends going, and prints each index once its append resolved
 * (acknowledged = durable). Runs until killed.
 *   node --import tsx append-child.ts DIR KEY_HEX IN_FLIGHT
 */
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { pino } from 'pino'
import { forensics } from '../../src/forensics/index.js'
import { keySigner } from '../../src/p2p/signer.js'
import { ACTOR, ORIGIN } from './log-helpers.js'

const [dir, keyHex, inFlight] = process.argv.slice(2)
const key = privateKeyFromProtobuf(Buffer.from(keyHex ?? '', 'hex'))
const log = forensics({ dir: dir ?? '', origin: ORIGIN, checkpointIntervalMs: 50 })({ signer: keySigner(key), logger: pino({ level: 'silent' }) })
await log.start()
process.stdout.write('ready\n')
let n = 0
const worker = async (): Promise<void> => {
  for (;;) {
    const i = n++
    const e = await log.append({ type: 'admin', actor: ACTOR, subject: `account:${i}`, reason: `append ${i}` })
    process.stdout.write(`${e.index}\n`)
  }
}
await Promise.all(Array.from({ length: Number(inFlight ?? 1) }, worker))
