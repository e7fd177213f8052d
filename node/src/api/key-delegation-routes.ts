/**
 * Control API routes of key delegations (`mhc keys delegate`, `delegations`,
 * `revoke-delegation`; docs/specs/content-keys.md § Delegations).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { clientGone } from '@mhc/gateway'
import { KeyDelegateRequest, KeyDelegationView, KeyDelegationViews, KeyRevokeDelegationRequest } from '@mhc/protocols'
import type { ControlApiComponents } from './index.js'

export function keyDelegationRoutes (c: Pick<ControlApiComponents, 'keyDelegations'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/v1/keys/delegations', { schema: { response: { 200: KeyDelegationViews } } }, async (_request, reply) => {
      return await c.keyDelegations.list({ signal: clientGone(reply.raw) })
    })
    app.post('/v1/keys/delegations', { schema: { body: KeyDelegateRequest, response: { 200: KeyDelegationView } } }, async (request, reply) => {
      const { node, days } = request.body
      return await c.keyDelegations.delegate(node, { signal: clientGone(reply.raw), ...(days === undefined ? {} : { days }) })
    })
    app.post('/v1/keys/delegations/revoke', { schema: { body: KeyRevokeDelegationRequest, response: { 200: KeyDelegationView } } }, async (request, reply) => {
      return await c.keyDelegations.revoke(request.body.node, { signal: clientGone(reply.raw) })
    })
  }
}
