/**
 * A payment bridge's own Ed25519 key, kept in its repo (DIR/keys/bridge.key,
 * libp2p protobuf, mode 0600, as the identity key). It signs entitlements and
 * revocations; nodes trust it by its public key (config `bridgeKeys`). It is
 * not the node's identity key: a bridge's key can then be rotated, or kept on
 * another machine, without changing the node's peer id.
 */
import { readFile, stat } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { type AbortOptions, ConfigInvalidError, NotFoundError, OutputExistsError, type Signer, toBase64url } from '@mhc/protocols'
import { keySigner } from '../p2p/signer.js'
import { openRepo, writeAtomic } from '../store/repo.js'

export interface BridgeKeygenOptions extends AbortOptions {
  /** Replace a key that is there already. */
  force?: boolean
}

/** Make a new bridge key in the repo at `dir` and return its public key (base64url). Refuses to overwrite without `force`. */
export async function bridgeKeygen (dir: string, options: BridgeKeygenOptions = {}): Promise<string> {
  options.signal?.throwIfAborted()
  const { paths } = await openRepo(dir)
  const exists = await stat(paths.bridgeKey).then(() => true, () => false)
  if (exists && options.force !== true) throw new OutputExistsError(`A bridge key exists at ${paths.bridgeKey}; pass --force to replace it (nodes trusting the old key will refuse what the new one signs)`)
  const key = await generateKeyPair('Ed25519')
  options.signal?.throwIfAborted()
  await writeAtomic(paths.bridgeKey, privateKeyToProtobuf(key), 0o600)
  return toBase64url(key.publicKey.raw)
}

/** The bridge's signer, for the bridge plugin that issues entitlements. NotFoundError when `mhc bridge keygen` was not run. */
export async function loadBridgeSigner (dir: string, options: AbortOptions = {}): Promise<Signer> {
  const { paths } = await openRepo(dir)
  let bytes: Uint8Array
  try {
    bytes = await readFile(paths.bridgeKey, options)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`No bridge key at ${paths.bridgeKey}; run \`mhc bridge keygen\``, { cause: err })
    throw err
  }
  try {
    return keySigner(privateKeyFromProtobuf(bytes))
  } catch (err) {
    throw new ConfigInvalidError(`Cannot read the bridge key at ${paths.bridgeKey}`, { cause: err })
  }
}
