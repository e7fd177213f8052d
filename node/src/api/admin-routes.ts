/** Control API routes for roles: what `mhc admin grant|revoke|ls` calls. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { KeyRolesList, RoleRequest } from '@mhc/protocols'
import type { ControlApiComponents } from './index.js'

export function adminRoutes (c: Pick<ControlApiComponents, 'roles'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/v1/admin/roles', { schema: { response: { 200: KeyRolesList } } }, async () => await c.roles.list())
    app.post('/v1/admin/grant', { schema: { body: RoleRequest } }, async (request) => {
      await c.roles.grant(request.body.key, request.body.role)
      return { granted: request.body }
    })
    app.post('/v1/admin/revoke', { schema: { body: RoleRequest } }, async (request) => {
      await c.roles.revoke(request.body.key, request.body.role)
      return { revoked: request.body }
    })
  }
}
