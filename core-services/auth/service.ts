// Users, tenants and logins. A tenant exists while it has users: its first user announces
// CREATE on dojot-management.dojot.tenancy, its last user's removal announces DELETE.
import { randomBytes } from 'node:crypto';
import type { PlatformContext } from '../platform/context.js';
import type { Identity } from '../platform/contracts/identity.js';
import { TENANCY_TOPIC } from '../platform/contracts/topics.js';
import type { TenancyEvent } from '../platform/contracts/messages.js';
import type { Sql } from '../platform/store/index.js';
import { AuthErrors } from './errors.js';
import { hashPassword, verifyPassword } from './password.js';
import type { NewUser, UserPatch } from './schemas.js';
import { toView, userStore, type UserRow, type UserView } from './store.js';
import type { TokenService } from './tokens.js';
import { papStore } from './pap-store.js';
import { PLATFORM_TENANT, type Policy } from './policy.js';

export { PLATFORM_TENANT };
/** dojot's password for users created without one when no e-mail service is configured. */
export const DEFAULT_NEW_USER_PASSWORD = 'temppwd';
/** Failed logins are counted over this window, and the first lock lasts as long, ms. */
const FAILURE_WINDOW_MS = 60_000;
/** Longest lock after repeated limits reached, ms. */
const MAX_LOCK_MS = 3_600_000;
/** How long reaching a limit counts toward doubling the next lock, ms. */
const STRIKES_MEMORY_MS = 86_400_000;

type TenancyChange = TenancyEvent[];

export class AuthService {
  constructor(
    private readonly ctx: PlatformContext,
    private readonly tokens: TokenService,
    private readonly policy: Policy,
  ) {}

  /** First start: tenant `admin` with user admin/admin. Later starts change nothing. */
  async seed(): Promise<void> {
    const events: TenancyChange = [];
    await this.ctx.store.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(715420002)');
      if ((await userStore.count(tx)) > 0) return;
      if (await userStore.ensureTenant(tx, PLATFORM_TENANT)) events.push({ type: 'CREATE', tenant: PLATFORM_TENANT });
      const admin = await userStore.insert(tx, {
        username: 'admin',
        name: 'Admin (superuser)',
        service: PLATFORM_TENANT,
        email: 'admin@noemail.com',
        profile: 'admin',
        password_hash: await hashPassword('admin'),
        created_by: 'auth',
      });
      await joinProfileGroup(tx, admin);
    });
    await this.announce(events);
    if (events.length)
      this.ctx.log.info('first start: created tenant "admin" with user admin / password admin — change it');
  }

  /**
   * A login: the same answer, in about the same time, whether the user is unknown, inactive or
   * the password wrong, so the answer never tells which usernames exist. Failures are limited per
   * client address and per (address, user), never per user alone: a stranger cannot lock a user
   * out from elsewhere. Each time a limit is reached the lock doubles (login-limits below).
   */
  async login(username: string, passwd: string, address: string): Promise<string> {
    const { authFailuresPerUser, authFailuresPerAddress } = this.ctx.config;
    const limits = [
      { key: `auth:fail:pair:${address}:${username}`, limit: authFailuresPerUser, what: 'address and user' },
      { key: `auth:fail:addr:${address}`, limit: authFailuresPerAddress, what: 'address' },
    ];
    for (const l of limits) await this.refuseIfLocked(l.key, l.what);
    const user = await userStore.byUsername(this.ctx.store, username);
    // An unknown or inactive user costs the same hashing as a wrong password.
    const ok = await verifyPassword(passwd, user?.password_hash ?? (await standInHash()));
    if (!user || !user.password_hash || !ok) {
      for (const l of limits) await this.countFailure(l.key, l.limit);
      throw AuthErrors.AUTH_BAD_CREDENTIALS({}, { message: 'AuthenticationError', status: 401 });
    }
    await this.ctx.cache.del(limits[0].key);
    return this.tokens.issue(identityOf(user, await groupIdsOf(this.ctx.store, user.id)));
  }

  async listUsers(caller: Identity, username?: string): Promise<UserView[]> {
    const rows = await userStore.list(this.ctx.store, { username, tenant: await this.scope(caller) });
    if (rows.length === 0)
      throw AuthErrors.AUTH_NO_USERS_FOUND({}, { message: 'No results found with these filters', status: 404 });
    return rows.map(toView);
  }

  async getUser(caller: Identity, key: string): Promise<UserView> {
    return toView(await this.mustFind(this.ctx.store, await this.scope(caller), key));
  }

  async createUser(caller: Identity, input: NewUser): Promise<UserView> {
    if ((await this.scope(caller)) && input.service !== caller.tenant)
      throw AuthErrors.AUTH_OTHER_TENANT({ tenant: caller.tenant });
    const hash = await hashPassword(input.passwd ?? DEFAULT_NEW_USER_PASSWORD);
    const events: TenancyChange = [];
    const row = await this.ctx.store.transaction(async (tx) => {
      // A token outliving its user (the cache that voids it was lost) must not bring back the tenant it emptied.
      const self = await userStore.byUsername(tx, caller.username);
      if (!self || self.id !== caller.userid || self.service !== caller.tenant) {
        throw AuthErrors.AUTH_TOKEN_INVALID({ reason: 'its user no longer exists' }, { message: 'Invalid JWT token' });
      }
      if (await userStore.byUsername(tx, input.username))
        throw AuthErrors.AUTH_USERNAME_TAKEN(
          { username: input.username },
          { message: 'username already in use', status: 400 },
        );
      if (await userStore.emailTaken(tx, input.email))
        throw AuthErrors.AUTH_EMAIL_TAKEN({}, { message: 'email already in use', status: 400 });
      if (!(await papStore.group(tx, input.profile)))
        throw AuthErrors.AUTH_INVALID_FIELD(
          { field: 'profile', problem: 'names no group (see GET /auth/pap/group)' },
          { message: 'profile: names no group', status: 400 },
        );
      if (await userStore.ensureTenant(tx, input.service)) events.push({ type: 'CREATE', tenant: input.service });
      const user = await userStore.insert(tx, { ...input, password_hash: hash, created_by: caller.username });
      await joinProfileGroup(tx, user);
      return user;
    });
    await this.announce(events);
    return toView(row);
  }

  async updateUser(caller: Identity, key: string, patch: UserPatch): Promise<void> {
    const hash = patch.passwd !== undefined ? await hashPassword(patch.passwd) : undefined;
    const events: TenancyChange = [];
    // Asked before the transaction: the policy reads through the store's own connection.
    const scope = await this.scope(caller);
    let revoke: number | null = null;
    await this.ctx.store.transaction(async (tx) => {
      const user = await this.mustFind(tx, scope, key);
      if (patch.username !== undefined && patch.username !== user.username)
        throw AuthErrors.AUTH_USERNAME_IMMUTABLE({}, { message: "usernames can't be updated", status: 400 });
      const service = patch.service ?? user.service;
      if (service !== user.service) {
        if (user.username === 'admin')
          throw AuthErrors.AUTH_ADMIN_SERVICE_IMMUTABLE({}, { message: "Can't edit service of admin", status: 405 });
        if (scope) throw AuthErrors.AUTH_OTHER_TENANT({ tenant: caller.tenant });
      }
      const email = patch.email ?? user.email;
      if (email !== user.email && (await userStore.emailTaken(tx, email, user.id)))
        throw AuthErrors.AUTH_EMAIL_TAKEN({}, { message: 'email already in use', status: 400 });
      if (service !== user.service && (await userStore.ensureTenant(tx, service)))
        events.push({ type: 'CREATE', tenant: service });
      await userStore.update(tx, user.id, {
        name: patch.name ?? user.name,
        service,
        email,
        password_hash: hash ?? user.password_hash,
      });
      // A new password or tenant ends the user's tokens: they were issued for the old ones.
      if (hash !== undefined || service !== user.service) revoke = user.id;
      if (service !== user.service && (await userStore.dropTenantIfEmpty(tx, user.service)))
        events.push({ type: 'DELETE', tenant: user.service });
    });
    if (revoke !== null) await this.tokens.revoke(revoke);
    await this.announce(events);
  }

  async deleteUser(caller: Identity, key: string): Promise<void> {
    const events: TenancyChange = [];
    // Asked before the transaction: the policy reads through the store's own connection.
    const scope = await this.scope(caller);
    let removed: number | null = null;
    await this.ctx.store.transaction(async (tx) => {
      const user = await this.mustFind(tx, scope, key);
      if (user.username === 'admin')
        throw AuthErrors.AUTH_ADMIN_UNDELETABLE({}, { message: "Can't delete the admin user", status: 405 });
      if (user.username === caller.username)
        throw AuthErrors.AUTH_SELF_REMOVAL({}, { message: "a user can't remove himself", status: 400 });
      await userStore.remove(tx, user.id);
      if (await userStore.dropTenantIfEmpty(tx, user.service)) events.push({ type: 'DELETE', tenant: user.service });
      removed = user.id;
    });
    // Its memberships went with it: no instance may keep deciding on its cached rights.
    await this.policy.changed();
    if (removed !== null) await this.tokens.revoke(removed);
    await this.announce(events);
  }

  async changePassword(caller: Identity, oldpasswd: string, newpasswd: string): Promise<void> {
    const user = await userStore.byUsername(this.ctx.store, caller.username);
    if (!user || !user.password_hash)
      throw AuthErrors.AUTH_NO_SUCH_USER({}, { message: 'No user found with this ID', status: 404 });
    if (!(await verifyPassword(oldpasswd, user.password_hash)))
      throw AuthErrors.AUTH_WRONG_PASSWORD({}, { message: 'AuthorizationError', status: 403 });
    await this.ctx.store.query('UPDATE users SET password_hash = $2 WHERE id = $1', [
      user.id,
      await hashPassword(newpasswd),
    ]);
    await this.tokens.revoke(user.id);
  }

  async tenants(): Promise<string[]> {
    return userStore.tenants(this.ctx.store);
  }

  /** Administrators of the platform tenant see every tenant's users; others only their own. */
  private async scope(caller: Identity): Promise<string | undefined> {
    return (await this.policy.isPlatformOperator(caller)) ? undefined : caller.tenant;
  }

  private async mustFind(db: Sql, scope: string | undefined, key: string): Promise<UserRow> {
    const user = await userStore.byKey(db, key, scope);
    if (!user) throw AuthErrors.AUTH_NO_SUCH_USER({}, { message: 'No user found with this ID', status: 404 });
    return user;
  }

  private async announce(events: TenancyChange): Promise<void> {
    for (const e of events) {
      await this.ctx.bus.publish(TENANCY_TOPIC, e.tenant, e);
      this.ctx.log.info({ tenant: e.tenant }, `tenant ${e.type === 'CREATE' ? 'created' : 'deleted'}`);
    }
  }

  private async refuseIfLocked(key: string, what: string): Promise<void> {
    const until = Number((await this.ctx.cache.get(`${key}:lock`)) ?? 0);
    const seconds = Math.ceil((until - Date.now()) / 1000);
    if (seconds > 0)
      throw AuthErrors.AUTH_TOO_MANY_ATTEMPTS({ what, seconds }, { message: 'API rate limit exceeded', status: 429 });
  }

  /** Counts a failure in the window; at the limit, locks the key for FAILURE_WINDOW_MS × 2^(locks in the last day − 1), at most MAX_LOCK_MS. */
  private async countFailure(key: string, limit: number): Promise<void> {
    const { cache } = this.ctx;
    if ((await cache.incr(key, FAILURE_WINDOW_MS)) < limit) return;
    const strikes = await cache.incr(`${key}:strikes`, STRIKES_MEMORY_MS);
    const lockMs = Math.min(MAX_LOCK_MS, FAILURE_WINDOW_MS * 2 ** Math.min(20, strikes - 1));
    await cache.set(`${key}:lock`, String(Date.now() + lockMs), lockMs);
    await cache.del(key);
  }
}

/** The token's claims; `groups` are the user's group ids at login (decisions read the store). */
export function identityOf(user: UserRow, groups: number[]): Identity {
  return { tenant: user.service, username: user.username, userid: user.id, profile: user.profile, groups };
}

async function groupIdsOf(db: Sql, userId: number): Promise<number[]> {
  return (await papStore.groupsOfUser(db, userId)).map((g) => g.id);
}

/** dojot's profile names the group a new user joins. */
async function joinProfileGroup(db: Sql, user: UserRow): Promise<void> {
  const group = await papStore.group(db, user.profile);
  if (group) await papStore.link(db, 'user_groups', user.id, group.id);
}

/** A hash to check unknown users' passwords against, so their answer takes as long as a wrong password's. */
let standIn: Promise<string> | undefined;
const standInHash = () => (standIn ??= hashPassword(randomBytes(16).toString('hex')));
