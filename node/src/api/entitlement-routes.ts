/**
 * Control API routes of entitlements: what this node keeps, as
 * `mhc entitlements ls` shows it (EntitlementView, with its status now);
 * and keeping one (verified first: a bridge on another machine, or an
 * operator, hands it to this node).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { clientGone } from '@mhc/gateway'
import { EntitlementAddRequest, EntitlementsQuery, EntitlementView, EntitlementViews, entitlementStatus, entitlementView, fromBase64url } from '@mhc/protocols'
import type { ControlApiComponents } from './index.js'

export function entitlementRoutes (c: Pick<ControlApiComponents, 'entitlements'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/v1/entitlements', { schema: { querystring: EntitlementsQuery, response: { 200: EntitlementViews } } }, async (request) => {
      const now = Date.now()
      const { subject } = request.query
      return c.entitlements.list(subject === undefined ? {} : { subject }).map(e => entitlementView(e, entitlementStatus(e, now, id => c.entitlements.isRevoked(id))))
    })

    app.post('/v1/entitlements', { schema: { body: EntitlementAddRequest, response: { 200: EntitlementView } } }, async (request, reply) => {
      const e = await c.entitlements.add(fromBase64url(request.body.entitlement), { signal: clientGone(reply.raw) })
      return entitlementView(e, entitlementStatus(e, Date.now(), id => c.entitlements.isRevoked(id)))
    })
  }
}
