// Validation of PAP bodies, with messages naming the field. Patterns are compiled here: one that
// is not a regex, or longer than the limit, never reaches the store (each runs on every request).
import { compileRule, MAX_METHOD_PATTERN, MAX_PATH_PATTERN, type Verdict } from '../platform/contracts/permissions.js';
import { AuthErrors } from './errors.js';
import { requireObject } from './schemas.js';

const NAME = /^[A-Za-z0-9_-]{1,40}$/;
const bad = (field: string, problem: string) =>
  AuthErrors.AUTH_INVALID_FIELD({ field, problem }, { message: `${field}: ${problem}`, status: 400 });

export interface PermissionInput {
  name: string;
  path: string;
  method: string;
  permission: Verdict;
}

function text(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(field, `expected a string, got ${Array.isArray(v) ? 'array' : typeof v}`);
  if (v.length === 0) throw bad(field, 'must not be empty');
  if (v.length > max) throw bad(field, `must be at most ${max} characters`);
  return v;
}

/** A new permission (every field required), or a change of one (`base` fills what is not given). */
export function parsePermission(raw: unknown, base?: PermissionInput): PermissionInput {
  const body = requireObject(raw);
  const need = <T>(v: T | undefined, field: string): T => {
    if (v === undefined) throw bad(field, 'is required');
    return v;
  };
  const name = text(body, 'name', 40) ?? base?.name;
  const path = text(body, 'path', MAX_PATH_PATTERN) ?? base?.path;
  const method = text(body, 'method', MAX_METHOD_PATTERN) ?? base?.method;
  const permission = text(body, 'permission', 10) ?? base?.permission;
  const out = {
    name: need(name, 'name'),
    path: need(path, 'path'),
    method: need(method, 'method'),
    permission: need(permission, 'permission'),
  };
  if (!NAME.test(out.name)) throw bad('name', 'letters, digits, "_" and "-" only, at most 40');
  if (out.permission !== 'permit' && out.permission !== 'deny') throw bad('permission', 'must be "permit" or "deny"');
  if (!out.path.startsWith('/')) throw bad('path', 'must start with "/" (it is matched against request paths)');
  for (const field of ['path', 'method'] as const) {
    try {
      compileRule({
        path: field === 'path' ? out.path : '',
        method: field === 'method' ? out.method : '',
        permission: 'deny',
      });
    } catch (err) {
      throw bad(field, `is not a regular expression (${(err as Error).message})`);
    }
  }
  return out as PermissionInput;
}

export interface GroupInput {
  name: string;
  description: string | null;
}

export function parseGroup(raw: unknown, base?: GroupInput): GroupInput {
  const body = requireObject(raw);
  const name = text(body, 'name', 40) ?? base?.name;
  if (name === undefined) throw bad('name', 'is required');
  if (!NAME.test(name)) throw bad('name', 'letters, digits, "_" and "-" only, at most 40');
  const description =
    body.description === undefined
      ? (base?.description ?? null)
      : body.description === null
        ? null
        : (text(body, 'description', 200) ?? null);
  return { name, description };
}

/** Query filters of GET /auth/pap/permission: strings only. */
export function parsePermissionFilter(q: Record<string, unknown>) {
  const one = (k: string) => {
    const v = q[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw bad(k, 'give it once, as a string');
    return v;
  };
  return { path: one('path'), method: one('method'), permission: one('permission'), type: one('type') };
}
