/**
 * Roles (viewer, creator, moderator, admin) that this node gives keys. The
 * gateway reads them for its accounts (an account holds the roles of its
 * keys); the operator sets them with `mhc admin grant KEY ROLE`. Kept in the
 * node's datastore under `/mhc/roles/{key}/{role}`.
 */
import type { AbortOptions, Role, Startable } from '@mhc/protocols'
import type { Datastore } from 'interface-datastore'
import type { Logger } from 'pino'
import { DefaultRoles } from './roles.js'

export interface KeyRoles {
  /** A public key, base64url. */
  key: string
  roles: Role[]
}

export interface Roles extends Startable {
  grant(key: string, role: Role, options?: AbortOptions): Promise<void>
  revoke(key: string, role: Role, options?: AbortOptions): Promise<void>
  /** Every key that holds a role, with its roles. */
  list(options?: AbortOptions): Promise<KeyRoles[]>
  /** The roles any of `keys` holds, each once. */
  rolesOf(keys: string[], options?: AbortOptions): Promise<Role[]>
}

export interface RolesComponents {
  datastore: Pick<Datastore, 'put' | 'delete' | 'queryKeys'>
  logger: Logger
}

export function roles (): (components: RolesComponents) => Roles {
  return (components) => new DefaultRoles(components)
}
