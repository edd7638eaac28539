// The permission tables (migration 0020): permissions, groups, and who has which. Queries only;
// the rules about what may change live in pap-service.ts.
import type { Sql } from '../platform/store/index.js';
import type { PermissionRule, Verdict } from '../platform/contracts/permissions.js';
import type { UserRow } from './store.js';

export interface PermissionRow {
  id: number;
  name: string;
  path: string;
  method: string;
  permission: Verdict;
  type: 'system' | 'api';
  created_date: Date;
  created_by: string;
}

export interface GroupRow {
  id: number;
  name: string;
  description: string | null;
  created_date: Date;
  created_by: string;
}

/** dojot's permission object. */
export const permissionView = (p: PermissionRow) => ({
  id: p.id,
  name: p.name,
  path: p.path,
  method: p.method,
  permission: p.permission,
  type: p.type,
  created_date: new Date(p.created_date).toISOString(),
  created_by: p.created_by,
});

/** dojot's group object. */
export const groupView = (g: GroupRow) => ({
  id: g.id,
  name: g.name,
  description: g.description,
  created_date: new Date(g.created_date).toISOString(),
  created_by: g.created_by,
});

const PERM = 'p.id, p.name, p.path, p.method, p.permission, p.type, p.created_date, p.created_by';
const GROUP = 'g.id, g.name, g.description, g.created_date, g.created_by';
const USER = 'u.id, u.username, u.name, u.service, u.email, u.profile, u.password_hash, u.created_date, u.created_by';

/** A key in a path is a numeric id or a name, as in dojot. */
const byIdOrName = (key: string) => (/^\d{1,9}$/.test(key) ? 'id = $1::int' : 'name = $1');

export interface PermissionFilter {
  path?: string;
  method?: string;
  permission?: string;
  type?: string;
}

export const papStore = {
  async permission(db: Sql, key: string): Promise<PermissionRow | undefined> {
    return (await db.query<PermissionRow>(`SELECT ${PERM} FROM permissions p WHERE p.${byIdOrName(key)}`, [key]))[0];
  },
  async permissions(db: Sql, f: PermissionFilter): Promise<PermissionRow[]> {
    return db.query<PermissionRow>(
      `SELECT ${PERM} FROM permissions p
        WHERE ($1::text IS NULL OR p.path = $1) AND ($2::text IS NULL OR p.method = $2)
          AND ($3::text IS NULL OR p.permission = $3) AND ($4::text IS NULL OR p.type = $4)
        ORDER BY p.id`,
      [f.path ?? null, f.method ?? null, f.permission ?? null, f.type ?? null],
    );
  },
  async insertPermission(
    db: Sql,
    p: { name: string; path: string; method: string; permission: Verdict; createdBy: string },
  ): Promise<number> {
    const rows = await db.query<{ id: number }>(
      `INSERT INTO permissions (name, path, method, permission, type, created_by) VALUES ($1, $2, $3, $4, 'api', $5)
       ON CONFLICT (name) DO NOTHING RETURNING id`,
      [p.name, p.path, p.method, p.permission, p.createdBy],
    );
    return rows[0]?.id ?? 0;
  },
  async updatePermission(
    db: Sql,
    id: number,
    p: { name: string; path: string; method: string; permission: Verdict },
  ): Promise<void> {
    await db.query('UPDATE permissions SET name = $2, path = $3, method = $4, permission = $5 WHERE id = $1', [
      id,
      p.name,
      p.path,
      p.method,
      p.permission,
    ]);
  },
  async deletePermission(db: Sql, id: number): Promise<void> {
    await db.query('DELETE FROM permissions WHERE id = $1', [id]);
  },
  async permissionNameTaken(db: Sql, name: string, exceptId: number): Promise<boolean> {
    return (await db.query('SELECT 1 FROM permissions WHERE name = $1 AND id <> $2', [name, exceptId])).length > 0;
  },

  async group(db: Sql, key: string): Promise<GroupRow | undefined> {
    return (await db.query<GroupRow>(`SELECT ${GROUP} FROM groups g WHERE g.${byIdOrName(key)}`, [key]))[0];
  },
  async groups(db: Sql, name?: string): Promise<GroupRow[]> {
    return db.query<GroupRow>(
      `SELECT ${GROUP} FROM groups g WHERE ($1::text IS NULL OR g.name LIKE '%' || $1 || '%') ORDER BY g.id`,
      [name ?? null],
    );
  },
  async insertGroup(db: Sql, g: { name: string; description: string | null; createdBy: string }): Promise<number> {
    const rows = await db.query<{ id: number }>(
      'INSERT INTO groups (name, description, created_by) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id',
      [g.name, g.description, g.createdBy],
    );
    return rows[0]?.id ?? 0;
  },
  async updateGroup(db: Sql, id: number, g: { name: string; description: string | null }): Promise<void> {
    await db.query('UPDATE groups SET name = $2, description = $3 WHERE id = $1', [id, g.name, g.description]);
  },
  async deleteGroup(db: Sql, id: number): Promise<void> {
    await db.query('DELETE FROM groups WHERE id = $1', [id]);
  },
  async groupNameTaken(db: Sql, name: string, exceptId: number): Promise<boolean> {
    return (await db.query('SELECT 1 FROM groups WHERE name = $1 AND id <> $2', [name, exceptId])).length > 0;
  },
  async memberCount(db: Sql, groupId: number): Promise<number> {
    return (
      await db.query<{ n: number }>('SELECT count(*)::int AS n FROM user_groups WHERE group_id = $1', [groupId])
    )[0].n;
  },

  /** Adds a relation; returns false when it was already there. */
  async link(
    db: Sql,
    table: 'user_groups' | 'group_permissions' | 'user_permissions',
    a: number,
    b: number,
  ): Promise<boolean> {
    const [ca, cb] = RELATION_COLUMNS[table];
    const rows = await db.query(
      `INSERT INTO ${table} (${ca}, ${cb}) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
      [a, b],
    );
    return rows.length > 0;
  },
  /** Removes a relation; returns false when there was none. */
  async unlink(
    db: Sql,
    table: 'user_groups' | 'group_permissions' | 'user_permissions',
    a: number,
    b: number,
  ): Promise<boolean> {
    const [ca, cb] = RELATION_COLUMNS[table];
    const rows = await db.query(`DELETE FROM ${table} WHERE ${ca} = $1 AND ${cb} = $2 RETURNING 1`, [a, b]);
    return rows.length > 0;
  },

  async directPermissions(db: Sql, userId: number): Promise<PermissionRow[]> {
    return db.query<PermissionRow>(
      `SELECT ${PERM} FROM permissions p JOIN user_permissions up ON up.permission_id = p.id WHERE up.user_id = $1 ORDER BY p.id`,
      [userId],
    );
  },
  /** Direct permissions and those of every group of the user, each once. */
  async allPermissions(db: Sql, userId: number): Promise<PermissionRow[]> {
    return db.query<PermissionRow>(
      `SELECT ${PERM} FROM permissions p WHERE p.id IN (
         SELECT permission_id FROM user_permissions WHERE user_id = $1
         UNION
         SELECT gp.permission_id FROM group_permissions gp JOIN user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = $1)
       ORDER BY p.id`,
      [userId],
    );
  },
  async groupsOfUser(db: Sql, userId: number): Promise<GroupRow[]> {
    return db.query<GroupRow>(
      `SELECT ${GROUP} FROM groups g JOIN user_groups ug ON ug.group_id = g.id WHERE ug.user_id = $1 ORDER BY g.id`,
      [userId],
    );
  },
  async permissionsOfGroup(db: Sql, groupId: number): Promise<PermissionRow[]> {
    return db.query<PermissionRow>(
      `SELECT ${PERM} FROM permissions p JOIN group_permissions gp ON gp.permission_id = p.id WHERE gp.group_id = $1 ORDER BY p.id`,
      [groupId],
    );
  },
  async usersOfGroup(db: Sql, groupId: number): Promise<UserRow[]> {
    return db.query<UserRow>(
      `SELECT ${USER} FROM users u JOIN user_groups ug ON ug.user_id = u.id WHERE ug.group_id = $1 ORDER BY u.id`,
      [groupId],
    );
  },

  /** What the gateway decides on: the user's rules (groups' and direct) and group names. */
  async rightsOf(db: Sql, userId: number): Promise<{ rules: PermissionRule[]; groups: string[] }> {
    const rules = await db.query<PermissionRule>(
      `SELECT p.path, p.method, p.permission FROM permissions p JOIN user_permissions up ON up.permission_id = p.id WHERE up.user_id = $1
       UNION ALL
       SELECT p.path, p.method, p.permission FROM permissions p JOIN group_permissions gp ON gp.permission_id = p.id
         JOIN user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = $1`,
      [userId],
    );
    const groups = (await this.groupsOfUser(db, userId)).map((g) => g.name);
    return { rules, groups };
  },
};

const RELATION_COLUMNS = {
  user_groups: ['user_id', 'group_id'],
  group_permissions: ['group_id', 'permission_id'],
  user_permissions: ['user_id', 'permission_id'],
} as const;
