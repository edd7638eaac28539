// One place that refuses text no route can store or answer sensibly, before any route sees it:
// NUL characters (PostgreSQL refuses them in text and jsonb), lone UTF-16 surrogates (not
// Unicode: they cannot be encoded as UTF-8), values longer than the limits below, and JSON
// bodies nested deeper than MAX_BODY_DEPTH (walking them overflows the stack). The answer is
// 400 {"error": "<field>: <problem>", "code": "HTTP_BAD_INPUT"} naming the field: a path
// parameter by name, a query parameter by name, a body value by its path (`body.attrs[0].label`).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CommonErrors } from './errors.js';

/** Longest path parameter, chars: ids and labels are far shorter; a longer one is an attack. */
export const MAX_PARAM_CHARS = 1_024;
/** Longest query parameter value (each of a repeated one), chars. */
export const MAX_QUERY_CHARS = 4_096;
/** Longest string (or object key) in a JSON body, chars; the body limit bounds the whole. */
export const MAX_BODY_STRING_CHARS = 1_048_576;
/** Deepest nesting of objects and arrays in a JSON body; real bodies (flows included) stay under 30. */
export const MAX_BODY_DEPTH = 100;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a string, or null. */
export function textProblem(s: string, max: number): string | null {
  if (s.length > max) return `longer than ${max} characters`;
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate (not Unicode text)';
  return null;
}

const bad = (field: string, problem: string) => CommonErrors.HTTP_BAD_INPUT({ field, problem });

/** A field name as shown in an error: printable, short, whatever the key holds. */
function shown(key: string): string {
  const safe = key.slice(0, 60).replace(/[\u0000-\u001f\uD800-\uDFFF]/g, '?');
  return key.length > 60 ? `${safe}…` : safe;
}

const child = (path: string, key: string | number): string =>
  typeof key === 'number'
    ? `${path}[${key}]`
    : /^[A-Za-z_$][\w$-]*$/.test(key)
      ? `${path}.${key}`
      : `${path}[${JSON.stringify(shown(key))}]`;

/** Walks a parsed JSON value without recursion (a deep one must not overflow the stack). */
export function checkJson(value: unknown, root: string): void {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const p = textProblem(v, MAX_BODY_STRING_CHARS);
      if (p) throw bad(path, p);
      continue;
    }
    if (!v || typeof v !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) throw bad(path, `nested deeper than ${MAX_BODY_DEPTH} levels`);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], child(path, i), depth + 1]);
      continue;
    }
    // A stream (the editor proxy's raw bodies) or a buffer is not a parsed JSON value.
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) continue;
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      const p = textProblem(k, MAX_BODY_STRING_CHARS);
      if (p) throw bad(`${child(path, k)} (the key)`, p);
      stack.push([(v as Record<string, unknown>)[k], child(path, k), depth + 1]);
    }
  }
}

function checkRecord(values: unknown, max: number): void {
  if (!values || typeof values !== 'object') return;
  for (const [k, v] of Object.entries(values)) {
    const kp = textProblem(k, max);
    if (kp) throw bad(`${shown(k)} (the name)`, kp);
    for (const item of Array.isArray(v) ? v : [v]) {
      if (typeof item !== 'string') continue;
      const p = textProblem(item, max);
      if (p) throw bad(shown(k), p);
    }
  }
}

export function checkRequest(req: FastifyRequest): void {
  checkRecord(req.params, MAX_PARAM_CHARS);
  checkRecord(req.query, MAX_QUERY_CHARS);
  if (req.body !== undefined) checkJson(req.body, 'body');
}

/** Installs the guard on every route registered after it (call before the services register). */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => checkRequest(req));
}
