// Validation of user bodies, with messages that name the field (dojot's rules, §1.3).
import { TENANT_PATTERN } from '../platform/contracts/identity.js';
import { AuthErrors } from './errors.js';

const USERNAME = /^[a-z][a-z0-9_]{0,39}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const bad = (field: string, problem: string) =>
  AuthErrors.AUTH_INVALID_FIELD({ field, problem }, { message: `${field}: ${problem}`, status: 400 });

export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('body', 'expected a JSON object');
  return body as Record<string, unknown>;
}

/** A field nobody reads would be "ok" with nothing done: it is refused, named. */
function onlyFields(body: Record<string, unknown>, allowed: string[], why: Record<string, string> = {}): void {
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw bad(k.slice(0, 60), why[k] ?? `unknown field (expected ${allowed.join(', ')})`);
  }
}

function str(body: Record<string, unknown>, field: string, max: number, required: boolean): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required) throw bad(field, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') throw bad(field, `expected a string, got ${Array.isArray(v) ? 'array' : typeof v}`);
  if (v.length === 0 && required) throw bad(field, 'must not be empty');
  if (v.length > max) throw bad(field, `must be at most ${max} characters`);
  return v;
}

export interface NewUser {
  username: string;
  service: string;
  email: string;
  name: string;
  profile: string;
  passwd?: string;
}

export function parseNewUser(raw: unknown): NewUser {
  const body = requireObject(raw);
  onlyFields(body, ['username', 'service', 'email', 'name', 'profile', 'passwd']);
  const username = str(body, 'username', 40, true)!;
  if (!USERNAME.test(username))
    throw bad('username', 'must start with a lower-case letter, then lower-case letters, digits or _');
  const service = str(body, 'service', 30, true)!;
  if (!TENANT_PATTERN.test(service))
    throw bad(
      'service',
      'must start with a lower-case letter, then lower-case letters, digits or _ (it names the tenant)',
    );
  const email = str(body, 'email', 254, true)!;
  if (!EMAIL.test(email)) throw bad('email', 'is not a valid e-mail address');
  const name = str(body, 'name', 90, true)!;
  // The group the user joins (admin, user, or one made through /auth/pap); checked in service.ts.
  const profile = str(body, 'profile', 30, true)!;
  const passwd = str(body, 'passwd', 128, false);
  if (passwd !== undefined && passwd.length < 5) throw bad('passwd', 'must be at least 5 characters');
  return { username, service, email, name, profile, passwd };
}

export interface UserPatch {
  name?: string;
  service?: string;
  email?: string;
  passwd?: string;
  username?: string;
}

export function parseUserPatch(raw: unknown): UserPatch {
  const body = requireObject(raw);
  onlyFields(body, ['name', 'service', 'email', 'passwd', 'username'], {
    profile: "can't be updated: remove the user and create it with the new profile",
  });
  const patch: UserPatch = {
    name: str(body, 'name', 90, false),
    service: str(body, 'service', 30, false),
    email: str(body, 'email', 254, false),
    passwd: str(body, 'passwd', 128, false),
    username: str(body, 'username', 40, false),
  };
  if (patch.service !== undefined && !TENANT_PATTERN.test(patch.service))
    throw bad('service', 'must start with a lower-case letter, then lower-case letters, digits or _');
  if (patch.email !== undefined && !EMAIL.test(patch.email)) throw bad('email', 'is not a valid e-mail address');
  if (patch.passwd !== undefined && patch.passwd.length < 5) throw bad('passwd', 'must be at least 5 characters');
  return patch;
}

export function parseLogin(raw: unknown): { username: string; passwd: string } {
  const body = (raw ?? {}) as Record<string, unknown>;
  if (typeof body.username !== 'string' || body.username === '')
    throw AuthErrors.AUTH_MISSING_USERNAME({}, { message: 'missing username', status: 400 });
  if (typeof body.passwd !== 'string' || body.passwd === '')
    throw AuthErrors.AUTH_MISSING_PASSWORD({}, { message: 'missing password', status: 400 });
  if (body.username.length > 40 || body.passwd.length > 128)
    throw AuthErrors.AUTH_BAD_CREDENTIALS({}, { message: 'AuthenticationError', status: 401 });
  return { username: body.username.toLowerCase(), passwd: body.passwd };
}
