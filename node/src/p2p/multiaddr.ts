import { MultiaddrInvalidError } from '@mhc/protocols'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'

/** Parse a multiaddr string, or throw MultiaddrInvalidError. */
export function parseMultiaddr (text: string): Multiaddr {
  try {
    return multiaddr(text)
  } catch (err) {
    throw new MultiaddrInvalidError(`Not a valid multiaddr: ${JSON.stringify(text)}`, { cause: err })
  }
}
