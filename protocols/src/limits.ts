/** Blocks above this are refused everywhere (the IPFS trustless-gateway and bitswap limit). */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024
