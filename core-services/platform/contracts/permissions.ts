// Who may call what: dojot's group model (§1.5 of the API notes), as one table. A request's
// resource is its path without the query, with "/" appended (so "/device" matches "/device/(.*)").
// Paths and methods are regexes matched as a prefix, as dojot's PDP did.

export interface Permission {
  name: string;
  path: string;
  method: string;
}

export const GROUPS = {
  admin: { id: 1, permissions: [{ name: 'all_all', path: '/(.*)', method: '(.*)' }] },
  user: {
    id: 2,
    permissions: [
      { name: 'all_template', path: '/template/(.*)', method: '(.*)' },
      { name: 'all_device', path: '/device/(.*)', method: '(.*)' },
      { name: 'all_flows', path: '/flows/(.*)', method: '(.*)' },
      { name: 'ro_history', path: '/history/(.*)', method: 'GET' },
      { name: 'all_x509_certificates', path: '/x509/v1/certificates/(.*)', method: '(.*)' },
      { name: 'ro_x509_ca', path: '/x509/v1/ca/(.*)', method: 'GET' },
      { name: 'ro_kafka_ws_ticket', path: '/kafka-ws/v[0-9]+/ticket/', method: 'GET' },
      { name: 'ro_topic', path: '/topic/(.*)', method: 'GET' },
      { name: 'wo_import', path: '/import/(.*)', method: 'POST' },
      { name: 'ro_export', path: '/export/(.*)', method: 'GET' },
      { name: 'all_cron', path: '/cron/(.*)', method: '(.*)' },
      { name: 'wo_password', path: '/auth/password/(.*)', method: 'POST' },
    ],
  },
} as const satisfies Record<string, { id: number; permissions: Permission[] }>;

export type Profile = keyof typeof GROUPS;
export const PROFILES = Object.keys(GROUPS) as Profile[];

const compiled = Object.fromEntries(
  Object.entries(GROUPS).map(([g, def]) => [
    g,
    def.permissions.map((p) => ({ path: new RegExp(`^(${p.path})`), method: new RegExp(`^(${p.method})`) })),
  ]),
) as Record<Profile, { path: RegExp; method: RegExp }[]>;

/** The PDP decision: permit when one of the profile's permissions matches the method and path. */
export function isPermitted(profile: string, method: string, url: string): boolean {
  const perms = compiled[profile as Profile];
  if (!perms) return false;
  const q = url.indexOf('?');
  let resource = q < 0 ? url : url.slice(0, q);
  if (!resource.endsWith('/')) resource += '/';
  return perms.some((p) => p.path.test(resource) && p.method.test(method));
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
