import { type AbortOptions, InternalError, NotStartedError, ROLES, type Role } from '@mhc/protocols'
import { Key } from 'interface-datastore'
import type { KeyRoles, RoleChangeOptions, Roles, RolesComponents, RolesInit } from './index.js'

const PREFIX = '/mhc/roles'

export class DefaultRoles implements Roles {
  private started = false

  constructor (private readonly components: RolesComponents, private readonly init: RolesInit = {}) {}

  async start (): Promise<void> {
    this.started = true
  }

  async stop (): Promise<void> {
    this.started = false
  }

  async grant (key: string, role: Role, options: RoleChangeOptions = {}): Promise<void> {
    this.check()
    await this.components.datastore.put(new Key(`${PREFIX}/${key}/${role}`), new Uint8Array(0), options)
    await this.record('grant', key, role, options)
    this.components.logger.info({ key, role }, 'role granted')
  }

  async revoke (key: string, role: Role, options: RoleChangeOptions = {}): Promise<void> {
    this.check()
    await this.components.datastore.delete(new Key(`${PREFIX}/${key}/${role}`), options)
    await this.record('revoke', key, role, options)
    this.components.logger.info({ key, role }, 'role revoked')
  }

  /** A `role` entry in the forensic log: the admin, the key, "grant ROLE" / "revoke ROLE". */
  private async record (verb: 'grant' | 'revoke', key: string, role: Role, options: RoleChangeOptions): Promise<void> {
    const actor = options.actor ?? this.init.nodeKey
    if (this.components.forensics === undefined) return
    if (actor === undefined) throw new InternalError('A role change needs an actor for the forensic log (RolesInit.nodeKey)')
    // Not abortable: the change is made, so it is recorded.
    await this.components.forensics.append({ type: 'role', actor, subject: key, reason: `${verb} ${role}` })
  }

  async list (options: AbortOptions = {}): Promise<KeyRoles[]> {
    this.check()
    const byKey = new Map<string, Role[]>()
    for await (const k of this.components.datastore.queryKeys({ prefix: `${PREFIX}/` }, options)) {
      const role = k.baseNamespace() as Role
      const key = k.parent().baseNamespace()
      if (!ROLES.includes(role)) continue
      byKey.set(key, [...byKey.get(key) ?? [], role])
    }
    return [...byKey].map(([key, roles]) => ({ key, roles: ROLES.filter(r => roles.includes(r)) }))
  }

  async rolesOf (keys: string[], options: AbortOptions = {}): Promise<Role[]> {
    this.check()
    const held = new Set<Role>()
    for (const key of keys) {
      for await (const k of this.components.datastore.queryKeys({ prefix: `${PREFIX}/${key}/` }, options)) held.add(k.baseNamespace() as Role)
    }
    return ROLES.filter(r => held.has(r))
  }

  private check (): void {
    if (!this.started) throw new NotStartedError('The roles service is not started')
  }
}
