import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { MultiaddrInvalidError } from '@mhc/protocols'

/** Parse a multiaddr string, or throw MultiaddrInvalidError. */
export function parseMultiaddr (text: string): Multiaddr {
  try {
    return multiaddr(text)
  } catch (err) {
    throw new MultiaddrInvalidError(`Not a valid multiaddr: ${JSON.stringify(text)}`, { cause: err })
  }
}
