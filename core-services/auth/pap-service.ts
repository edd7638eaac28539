// dojot's policy administration (PAP): permissions, groups, memberships and the reports. Only
// the platform operator (an administrator of tenant admin) uses it: groups and permissions apply
// to every tenant. Every change is one transaction, then the policy caches are dropped.
import type { PlatformContext } from '../platform/context.js';
import type { Identity } from '../platform/contracts/identity.js';
import { ADMIN_GROUP, USER_GROUP } from '../platform/contracts/permissions.js';
import type { Sql } from '../platform/store/index.js';
import { AuthErrors } from './errors.js';
import {
  groupView,
  papStore,
  permissionView,
  type GroupRow,
  type PermissionFilter,
  type PermissionRow,
} from './pap-store.js';
import { parseGroup, parsePermission } from './pap-schemas.js';
import type { Policy } from './policy.js';
import { toView, userStore, type UserRow } from './store.js';

type Relation = 'user_groups' | 'group_permissions' | 'user_permissions';

export class PapService {
  constructor(
    private readonly ctx: PlatformContext,
    private readonly policy: Policy,
  ) {}

  async mustBeOperator(caller: Identity): Promise<void> {
    if (!(await this.policy.isPlatformOperator(caller)))
      throw AuthErrors.AUTH_NOT_OPERATOR({}, { message: 'Not authorized', status: 403 });
  }

  // --- permissions

  async createPermission(caller: Identity, body: unknown): Promise<number> {
    const p = parsePermission(body);
    const id = await papStore.insertPermission(this.ctx.store, { ...p, createdBy: caller.username });
    if (!id)
      throw AuthErrors.AUTH_PERMISSION_NAME_TAKEN(
        { name: p.name },
        { message: `Permission named ${p.name} already exists`, status: 400 },
      );
    return id;
  }

  async listPermissions(filter: PermissionFilter) {
    const rows = await papStore.permissions(this.ctx.store, filter);
    if (rows.length === 0)
      throw AuthErrors.AUTH_NO_PERMISSIONS_FOUND(
        {},
        { message: 'No permission found with these filters', status: 404 },
      );
    return rows.map(permissionView);
  }

  async getPermission(key: string) {
    return permissionView(await this.permission(this.ctx.store, key));
  }

  async updatePermission(key: string, body: unknown): Promise<void> {
    await this.change(async (tx) => {
      const old = await this.permission(tx, key);
      this.refuseSystem(old);
      const p = parsePermission(body, old);
      if (await papStore.permissionNameTaken(tx, p.name, old.id)) {
        throw AuthErrors.AUTH_PERMISSION_NAME_TAKEN(
          { name: p.name },
          { message: `Permission named ${p.name} already exists`, status: 400 },
        );
      }
      await papStore.updatePermission(tx, old.id, p);
    });
  }

  async deletePermission(key: string): Promise<void> {
    await this.change(async (tx) => {
      const p = await this.permission(tx, key);
      this.refuseSystem(p);
      await papStore.deletePermission(tx, p.id);
    });
  }

  // --- groups

  async createGroup(caller: Identity, body: unknown): Promise<number> {
    const g = parseGroup(body);
    const id = await papStore.insertGroup(this.ctx.store, { ...g, createdBy: caller.username });
    if (!id)
      throw AuthErrors.AUTH_GROUP_NAME_TAKEN(
        { name: g.name },
        { message: `Group named ${g.name} already exists`, status: 400 },
      );
    return id;
  }

  async listGroups(name?: string) {
    const rows = await papStore.groups(this.ctx.store, name);
    if (rows.length === 0)
      throw AuthErrors.AUTH_NO_GROUPS_FOUND({}, { message: 'No group found with these filters', status: 404 });
    return rows.map(groupView);
  }

  async getGroup(key: string) {
    return groupView(await this.group(this.ctx.store, key));
  }

  async updateGroup(key: string, body: unknown): Promise<void> {
    await this.change(async (tx) => {
      const old = await this.group(tx, key);
      const g = parseGroup(body, { name: old.name, description: old.description });
      // Profiles name the default groups: renaming one would strand every user created with it.
      if (g.name !== old.name) this.refuseDefault(old);
      if (await papStore.groupNameTaken(tx, g.name, old.id))
        throw AuthErrors.AUTH_GROUP_NAME_TAKEN(
          { name: g.name },
          { message: `Group named ${g.name} already exists`, status: 400 },
        );
      await papStore.updateGroup(tx, old.id, g);
    });
  }

  async deleteGroup(key: string): Promise<void> {
    await this.change(async (tx) => {
      const g = await this.group(tx, key);
      this.refuseDefault(g);
      const count = await papStore.memberCount(tx, g.id);
      if (count > 0)
        throw AuthErrors.AUTH_GROUP_HAS_MEMBERS(
          { name: g.name, count },
          { message: 'To delete a group, all group members should be removed', status: 400 },
        );
      await papStore.deleteGroup(tx, g.id);
    });
  }

  // --- relations

  async relate(add: boolean, relation: Relation, aKey: string, bKey: string): Promise<void> {
    await this.change(async (tx) => {
      const [a, b, what] = await this.relationEnds(tx, relation, aKey, bKey);
      if (!add) this.refuseLockout(relation, a, b);
      const done = add
        ? await papStore.link(tx, relation, a.id, b.id)
        : await papStore.unlink(tx, relation, a.id, b.id);
      if (done) return;
      if (add) throw AuthErrors.AUTH_RELATION_EXISTS({ what }, { message: `${what} is already there`, status: 409 });
      throw AuthErrors.AUTH_NO_SUCH_RELATION({ what }, { message: `${what} is not there`, status: 404 });
    });
  }

  // --- reports

  async directPermissions(userKey: string) {
    return (await papStore.directPermissions(this.ctx.store, (await this.user(this.ctx.store, userKey)).id)).map(
      permissionView,
    );
  }
  async allPermissions(userKey: string) {
    return (await papStore.allPermissions(this.ctx.store, (await this.user(this.ctx.store, userKey)).id)).map(
      permissionView,
    );
  }
  async groupsOfUser(userKey: string) {
    return (await papStore.groupsOfUser(this.ctx.store, (await this.user(this.ctx.store, userKey)).id)).map(groupView);
  }
  async permissionsOfGroup(groupKey: string) {
    return (await papStore.permissionsOfGroup(this.ctx.store, (await this.group(this.ctx.store, groupKey)).id)).map(
      permissionView,
    );
  }
  async usersOfGroup(groupKey: string) {
    return (await papStore.usersOfGroup(this.ctx.store, (await this.group(this.ctx.store, groupKey)).id)).map(toView);
  }

  // --- helpers

  private async change(fn: (tx: Sql) => Promise<void>): Promise<void> {
    await this.ctx.store.transaction(fn);
    await this.policy.changed();
  }

  private async relationEnds(
    tx: Sql,
    relation: Relation,
    aKey: string,
    bKey: string,
  ): Promise<[{ id: number; name: string }, { id: number; name: string }, string]> {
    if (relation === 'user_groups') {
      const u = await this.user(tx, aKey);
      const g = await this.group(tx, bKey);
      return [{ id: u.id, name: u.username }, g, `user ${u.username} in group ${g.name}`];
    }
    if (relation === 'group_permissions') {
      const g = await this.group(tx, aKey);
      const p = await this.permission(tx, bKey);
      return [g, p, `permission ${p.name} of group ${g.name}`];
    }
    const u = await this.user(tx, aKey);
    const p = await this.permission(tx, bKey);
    return [{ id: u.id, name: u.username }, p, `permission ${p.name} of user ${u.username}`];
  }

  /** The seeded operator keeps group admin, and group admin keeps all_all: else no one could undo it. */
  private refuseLockout(relation: Relation, a: { name: string }, b: { name: string }): void {
    if (relation === 'user_groups' && a.name === 'admin' && b.name === ADMIN_GROUP) {
      throw AuthErrors.AUTH_LAST_OPERATOR({}, { message: 'user admin cannot leave group admin', status: 400 });
    }
    if (relation === 'group_permissions' && SEEDED_RELATIONS.has(`${a.name}/${b.name}`)) {
      throw AuthErrors.AUTH_SYSTEM_PERMISSION(
        { name: b.name, group: a.name },
        { message: 'system permissions cannot be removed', status: 400 },
      );
    }
  }

  private refuseSystem(p: PermissionRow): void {
    if (p.type === 'system')
      throw AuthErrors.AUTH_SYSTEM_PERMISSION(
        { name: p.name, group: '(any)' },
        { message: 'system permissions cannot be changed', status: 400 },
      );
  }

  private refuseDefault(g: GroupRow): void {
    if (g.name === ADMIN_GROUP || g.name === USER_GROUP)
      throw AuthErrors.AUTH_DEFAULT_GROUP(
        { name: g.name },
        { message: "default groups can't be removed", status: 400 },
      );
  }

  private async permission(db: Sql, key: string): Promise<PermissionRow> {
    const p = await papStore.permission(db, key);
    if (!p)
      throw AuthErrors.AUTH_NO_SUCH_PERMISSION({ key }, { message: 'No permission found with this ID', status: 404 });
    return p;
  }

  private async group(db: Sql, key: string): Promise<GroupRow> {
    const g = await papStore.group(db, key);
    if (!g) throw AuthErrors.AUTH_NO_SUCH_GROUP({ key }, { message: 'No group found with this ID', status: 404 });
    return g;
  }

  private async user(db: Sql, key: string): Promise<UserRow> {
    const u = await userStore.byKey(db, key);
    if (!u) throw AuthErrors.AUTH_NO_SUCH_USER({}, { message: 'No user found with this ID', status: 404 });
    return u;
  }
}

/** Group admin's all_all: removing it would leave no one able to edit permissions. */
const SEEDED_RELATIONS = new Set([`${ADMIN_GROUP}/all_all`]);
