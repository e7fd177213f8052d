/**
 * @mhc/gateway: HTTP for browsers. The node wires it in with its block store
 * and catalogue (the gateway never imports the node). It also holds the
 * HTTP and block-reading helpers the node's control API shares.
 */
export { buildApp, type GatewayApp, type GatewayComponents, type GatewayInit } from './app.js'
export { gateway, type Gateway, type GatewayServiceInit } from './server.js'
export { blockBytes, type BlockSource, type BlockReadOptions } from './blocks.js'
export { cborLinks } from './trustless/walk.js'
export { translateFetchError, isMissingError, type FetchErrorContext } from './fetch-errors.js'
export { listenUrl, clientGone } from './listen.js'
export * from './errors.js'
export { trustlessResponse, negotiateFormat, parseEntityBytes, type TrustlessRequest, type TrustlessResponse, type DagScope } from './trustless/index.js'
