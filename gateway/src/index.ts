/**
 * @mhc/gateway: HTTP for browsers. The node wires it in with its block store
 * and catalogue (the gateway never imports the node).
 */
export { buildApp, type GatewayApp, type GatewayComponents, type GatewayInit } from './app.js'
export { startGateway, type Gateway } from './server.js'
export type { GatewayBlocks } from './blocks.js'
export * from './errors.js'
export { trustlessResponse, negotiateFormat, parseEntityBytes, type TrustlessBlocks, type TrustlessRequest, type TrustlessResponse, type DagScope } from './trustless/index.js'
