/**
 * The child of the witness kill -9 spec: a witness for one log on a loopback
 * port; prints its URL, then serves until killed.
 *   node --import tsx witness-child.ts DIR KEY_HEX ORIGIN LOG_VKEY
 */
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { forensicOrigin } from '@mhc/protocols'
import { pino } from 'pino'
import { witness } from '../../src/forensics/witness.js'
import { keySigner } from '../../src/p2p/signer.js'

const [dir, keyHex, origin, vkey] = process.argv.slice(2)
const signer = keySigner(privateKeyFromProtobuf(Buffer.from(keyHex ?? '', 'hex')))
const w = witness({ host: '127.0.0.1', port: 0, dir: dir ?? '', name: forensicOrigin(signer.publicKey), logs: [{ origin: origin ?? '', vkey: vkey ?? '' }] })({ signer, logger: pino({ level: 'silent' }) })
await w.start()
process.stdout.write(`${w.url}\n`)
