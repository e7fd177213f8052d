/** Blocks above this are refused everywhere (the IPFS trustless-gateway and bitswap limit). */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024

/** Manifest splits are in basis points and must sum to this. */
export const SPLITS_TOTAL_BPS = 10000
