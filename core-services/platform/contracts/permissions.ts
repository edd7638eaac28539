// How a request is decided against permissions (dojot's PDP, with one rule made stricter). The
// permissions themselves are data in the store, edited through /auth/pap (core-services/auth):
// migration 0020 seeds dojot's groups `admin` and `user`. See docs/dojot-compatibility.md, "Auth".
//
// A permission's path and method are regexes matched as a prefix, as dojot did, against the
// request's resource: its path without the query, with "/" appended (so "/device" matches
// "/device/(.*)"). A user's rights are the union of its groups' and its direct permissions; when
// any matching one is a deny, the request is denied; otherwise one matching permit permits.

export type Verdict = 'permit' | 'deny';

/** A permission as the store keeps it (the part that decides). */
export interface PermissionRule {
  path: string;
  method: string;
  permission: Verdict;
}

export interface CompiledRule {
  path: RegExp;
  method: RegExp;
  permission: Verdict;
}

/** The groups dojot seeds; a user's `profile` names the group it joins when created. */
export const ADMIN_GROUP = 'admin';
export const USER_GROUP = 'user';

/** Longest regex accepted for a permission's path and method (each is run on every request). */
export const MAX_PATH_PATTERN = 200;
export const MAX_METHOD_PATTERN = 60;

/** Compiles a rule; throws a SyntaxError naming the pattern when it is not a regex. */
export function compileRule(rule: PermissionRule): CompiledRule {
  return { path: new RegExp(`^(${rule.path})`), method: new RegExp(`^(${rule.method})`), permission: rule.permission };
}

/** The resource dojot's gateway asked about: the path without the query, ending with "/". */
export function resourceOf(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.endsWith('/') ? path : `${path}/`;
}

/** The decision for a method and URL: any matching deny denies, else any matching permit permits. */
export function decide(rules: readonly CompiledRule[], method: string, url: string): Verdict {
  const resource = resourceOf(url);
  let permitted = false;
  for (const r of rules) {
    if (!r.path.test(resource) || !r.method.test(method)) continue;
    if (r.permission === 'deny') return 'deny';
    permitted = true;
  }
  return permitted ? 'permit' : 'deny';
}

/** The platform's own tenant, made on first start: its admins operate the whole platform. */
export const PLATFORM_TENANT = 'admin';

/** How far a caller sees across tenants: every tenant's rows, its own tenant's, or none. */
export type Scope = 'all' | 'tenant' | 'none';

/**
 * Listings that can reach beyond one tenant, and how far each caller sees. `operator` is an admin
 * of the platform tenant; `admin` an admin of any other tenant; `user` any other profile.
 *   GET /flows/v1/runtime  operator: all  admin: tenant  user: none
 */
export const CROSS_TENANT_SCOPES = {
  runtimeReports: { method: 'GET', path: '/flows/v1/runtime', operator: 'all', admin: 'tenant', user: 'none' },
} as const satisfies Record<string, { method: string; path: string; operator: Scope; admin: Scope; user: Scope }>;

/** The caller's scope over one of those listings. */
export function scopeOf(listing: keyof typeof CROSS_TENANT_SCOPES, caller: { tenant: string; profile: string }): Scope {
  const row = CROSS_TENANT_SCOPES[listing];
  if (caller.profile === 'admin') return caller.tenant === PLATFORM_TENANT ? row.operator : row.admin;
  return row.user;
}
