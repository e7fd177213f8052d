export * from './revocations.js'
export * from './tiers.js'
export * from './verifier.js'
export * from './verify.js'
