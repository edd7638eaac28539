import type { Sql } from '../platform/store/index.js';

export interface UserRow {
  id: number;
  username: string;
  name: string;
  service: string;
  email: string;
  profile: string;
  password_hash: string | null;
  created_date: Date;
  created_by: string;
}

/** The user object of dojot's API (no password hash). */
export interface UserView {
  id: number;
  name: string;
  username: string;
  service: string;
  email: string;
  profile: string;
  created_date: string;
  created_by: string;
}

export const toView = (u: UserRow): UserView => ({
  id: u.id,
  name: u.name,
  username: u.username,
  service: u.service,
  email: u.email,
  profile: u.profile,
  created_date: new Date(u.created_date).toISOString(),
  created_by: u.created_by,
});

const COLUMNS = 'id, username, name, service, email, profile, password_hash, created_date, created_by';

export const userStore = {
  async byUsername(db: Sql, username: string): Promise<UserRow | undefined> {
    return (await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE username = $1`, [username]))[0];
  },
  /** `key` is a numeric id or a username; `tenant` (when given) scopes the lookup. */
  async byKey(db: Sql, key: string, tenant?: string): Promise<UserRow | undefined> {
    const byId = /^\d{1,9}$/.test(key);
    const rows = await db.query<UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE ${byId ? 'id = $1::int' : 'username = $1'} AND ($2::text IS NULL OR service = $2)`,
      [key, tenant ?? null],
    );
    return rows[0];
  },
  async list(db: Sql, filter: { username?: string; tenant?: string }): Promise<UserRow[]> {
    return db.query<UserRow>(
      `SELECT ${COLUMNS} FROM users
        WHERE ($1::text IS NULL OR username LIKE '%' || $1 || '%') AND ($2::text IS NULL OR service = $2)
        ORDER BY name, id`,
      [filter.username ?? null, filter.tenant ?? null],
    );
  },
  async emailTaken(db: Sql, email: string, exceptId?: number): Promise<boolean> {
    const rows = await db.query('SELECT 1 FROM users WHERE email = $1 AND id <> $2', [email, exceptId ?? -1]);
    return rows.length > 0;
  },
  /** Creates the tenant if it has no row yet; returns true when it was created. */
  async ensureTenant(db: Sql, tenant: string): Promise<boolean> {
    const rows = await db.query('INSERT INTO tenants (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING name', [
      tenant,
    ]);
    return rows.length > 0;
  },
  /** Deletes the tenant row when no user is left in it; returns true when it was deleted. */
  async dropTenantIfEmpty(db: Sql, tenant: string): Promise<boolean> {
    const rows = await db.query(
      'DELETE FROM tenants WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE service = $1) RETURNING name',
      [tenant],
    );
    return rows.length > 0;
  },
  async insert(db: Sql, u: Omit<UserRow, 'id' | 'created_date'>): Promise<UserRow> {
    const rows = await db.query<UserRow>(
      `INSERT INTO users (username, name, service, email, profile, password_hash, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [u.username, u.name, u.service, u.email, u.profile, u.password_hash, u.created_by],
    );
    return rows[0];
  },
  async update(
    db: Sql,
    id: number,
    patch: { name: string; service: string; email: string; password_hash: string | null },
  ) {
    await db.query('UPDATE users SET name = $2, service = $3, email = $4, password_hash = $5 WHERE id = $1', [
      id,
      patch.name,
      patch.service,
      patch.email,
      patch.password_hash,
    ]);
  },
  async remove(db: Sql, id: number): Promise<void> {
    await db.query('DELETE FROM users WHERE id = $1', [id]);
  },
  async count(db: Sql): Promise<number> {
    return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0].n;
  },
  async tenants(db: Sql): Promise<string[]> {
    return (await db.query<{ name: string }>('SELECT name FROM tenants ORDER BY name')).map((r) => r.name);
  },
};
