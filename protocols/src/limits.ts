/** Blocks above this are refused everywhere (the IPFS trustless-gateway and bitswap limit). */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024

/** A video's title, in characters (manifest, control API, CLI). */
export const TITLE_MAX_LENGTH = 200

/** A video's description, in characters. */
export const DESCRIPTION_MAX_LENGTH = 5000

/** A licence name or SPDX expression, in characters. */
export const LICENCE_MAX_LENGTH = 200

/** Manifest splits are in basis points and must sum to this. */
export const SPLITS_TOTAL_BPS = 10000
