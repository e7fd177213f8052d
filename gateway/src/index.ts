/**
 * @mhc/gateway: HTTP for browsers. The node wires it in with its block store
 * and catalogue (the gateway never imports the node). It also holds the
 * HTTP and block-reading helpers the node's control API shares.
 */
export type { RoleSource } from './accounts/accounts.js'
export { type HashParams, OWASP_ARGON2ID, Passwords } from './accounts/passwords.js'
export { buildApp, type GatewayApp, type GatewayComponents, type GatewayInit } from './app.js'
export { type BridgeEntitlements, type BridgeStats, StripeBridge } from './billing/bridge.js'
export { type BillingInit, billingRoutes, stripeClient } from './billing/routes.js'
export { type BlockReadOptions, type BlockSource, blockBytes } from './blocks.js'
export * from './errors.js'
export { type FetchErrorContext, isMissingError, translateFetchError } from './fetch-errors.js'
export { clientGone, listenUrl } from './listen.js'
export { callerEntitlements, ENTITLEMENT_HEADER, type GatewayEntitlements, MAX_PRESENTED_ENTITLEMENTS, requireFeature, requireTier, tierOf } from './routes/entitlements.js'
export { type GatewayForensicExports, type GatewayForensics, MAX_VERIFY_BYTES } from './routes/forensics.js'
export { type FinishedUpload, UPLOADS_PATH, type UploadsInit } from './routes/uploads.js'
export { type Gateway, type GatewayServiceInit, gateway } from './server.js'
export { type FeedOptions, type FeedSource, feedSocial } from './social-feed.js'
export { type DagScope, negotiateFormat, parseEntityBytes, type TrustlessRequest, type TrustlessResponse, trustlessResponse } from './trustless/index.js'
export { cborLinks } from './trustless/walk.js'
export type { DraftOptions, GatewayDrafts, NodeDraft } from './uploads/jobs.js'
