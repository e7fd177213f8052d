/** libp2p nodes built from MHC's own options (the daemon's transports, noise, yamux and services), with logging off. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Logger } from '@libp2p/interface'
import { type Libp2pOptionsInit, libp2pOptions, type MhcServices } from '@mhc/node'
import { createLibp2p, type Libp2p } from 'libp2p'

/** libp2p wants a ComponentLogger; the bench keeps it quiet. */
export function silentLogger (): Libp2pOptionsInit['logger'] {
  const make = (): Logger => {
    const fn = (() => {}) as unknown as Logger
    Object.assign(fn, { error: fn, trace: fn, enabled: false, newScope: make })
    return fn
  }
  return { forComponent: make }
}

export async function startLibp2p (): Promise<Libp2p<MhcServices>> {
  return await createLibp2p(libp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], logger: silentLogger() }))
}
