/**
 * Roles (viewer, creator, moderator, admin) that this node gives keys. The
 * gateway reads them for its accounts (an account holds the roles of its
 * keys); the operator sets them with `mhc admin grant KEY ROLE`. Kept in the
 * node's datastore under `/mhc/roles/{key}/{role}`.
 */
import type { AbortOptions, Role, Startable } from '@mhc/protocols'
import type { Datastore } from 'interface-datastore'
import type { Logger } from 'pino'
import type { Forensics } from '../forensics/index.js'
import { DefaultRoles } from './roles.js'

export interface KeyRoles {
  /** A public key, base64url. */
  key: string
  roles: Role[]
}

export interface Roles extends Startable {
  /** Give `key` the role; `options.actor` (the admin's key, default the node's) is written to the forensic log. */
  grant(key: string, role: Role, options?: RoleChangeOptions): Promise<void>
  revoke(key: string, role: Role, options?: RoleChangeOptions): Promise<void>
  /** Every key that holds a role, with its roles. */
  list(options?: AbortOptions): Promise<KeyRoles[]>
  /** The roles any of `keys` holds, each once. */
  rolesOf(keys: string[], options?: AbortOptions): Promise<Role[]>
}

export interface RoleChangeOptions extends AbortOptions {
  /** Who made the change, base64url key (default: `RolesInit.nodeKey`). */
  actor?: string
}

export interface RolesInit {
  /** The node's public key, base64url: the actor of changes made through the node (`mhc admin`). */
  nodeKey?: string
}

export interface RolesComponents {
  datastore: Pick<Datastore, 'put' | 'delete' | 'queryKeys'>
  /** The forensic log: a `role` entry for every grant and revoke. */
  forensics?: Pick<Forensics, 'append'>
  logger: Logger
}

export function roles (init: RolesInit = {}): (components: RolesComponents) => Roles {
  return (components) => new DefaultRoles(components, init)
}
