// Coded errors. Each service declares its own with defineErrors(); one Fastify handler renders
// them as {"error": message, "code": CODE, ...extra}. Across process boundaries match on `code`.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from './log.js';

export class PlatformError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** dojot-compatible keys added to the body beside error/code (e.g. {"message": ...}). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

/**
 * dojot's own body keys, kept beside {error, code} for its clients: a list of keys copied from the
 * error (`message`, `status`), or fixed keys whose string values are templates like the message
 * (`{message}` there is the rendered message).
 */
export type LegacyKeys = readonly ('message' | 'status')[] | Readonly<Record<string, unknown>>;

/** An entry of the catalogue: the message says the cause, `fix` what the caller can do (docs/errors.md). */
type Template = { status: number; message: string; fix: string; legacy?: LegacyKeys };

/** The `{name}` placeholders of a message template, as a union of names (never: none). */
export type Placeholders<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name extends `${string}${' ' | '"' | ':' | ',' | '{'}${string}`
    ? Placeholders<Rest>
    : Name | Placeholders<Rest>
  : never;

/**
 * A factory's arguments, typed from its template: every placeholder must be given, and a name the
 * template does not have is a compile error (it would render as a literal `{name}`).
 */
type FactoryArgs<M extends string> = [Placeholders<M>] extends [never]
  ? [params?: Record<string, never>, extra?: Record<string, unknown>]
  : [params: { [P in Placeholders<M>]: unknown }, extra?: Record<string, unknown>];

export type Factory<M extends string> = (...args: FactoryArgs<M>) => PlatformError;
/** Any factory, for code that picks one by its code at run time (and so cannot check the names). */
export type AnyFactory = (params?: Record<string, unknown>, extra?: Record<string, unknown>) => PlatformError;

/** Turns {CODE: {status, message: 'No such device: {id}'}} into factories: E.CODE({id}) → PlatformError. */
export function defineErrors<const T extends Record<string, Template>>(
  table: T,
): { [K in keyof T]: Factory<T[K]['message']> } & { table: { [K in keyof T]: Template } } {
  const out: Record<string, unknown> = { table };
  for (const code of Object.keys(table)) {
    const t = table[code];
    out[code] = (params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => {
      const message = render(t.message, params);
      return new PlatformError(code, t.status, message, { ...legacyKeys(t, message, params), ...extra });
    };
  }
  return out as { [K in keyof T]: Factory<T[K]['message']> } & { table: { [K in keyof T]: Template } };
}

function legacyKeys(t: Template, message: string, params: Record<string, unknown>): Record<string, unknown> {
  if (!t.legacy) return {};
  const own: Record<string, unknown> = { message, status: t.status };
  if (Array.isArray(t.legacy)) return Object.fromEntries(t.legacy.map((k: string) => [k, own[k]]));
  return Object.fromEntries(
    Object.entries(t.legacy).map(([k, v]) => [k, typeof v === 'string' ? render(v, { ...params, message }) : v]),
  );
}

function render(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => (k in params ? String(params[k]) : `{${k}}`));
}

export const CommonErrors = defineErrors({
  HTTP_BAD_JSON: {
    status: 400,
    message: 'Payload must be valid JSON, and Content-Type set accordingly: {detail}',
    fix: 'Send valid JSON with Content-Type: application/json.',
  },
  HTTP_BAD_REQUEST: { status: 400, message: '{detail}', fix: 'Correct the request as the message says.' },
  HTTP_BAD_INPUT: {
    status: 400,
    message: '{field}: {problem}',
    fix: 'Correct the value named (too long, too deep or not text).',
  },
  HTTP_BODY_TOO_LARGE: {
    status: 413,
    message: 'Request body is larger than {limit} bytes',
    fix: 'Send a smaller body (DOJOT_HTTP_BODY_LIMIT).',
  },
  HTTP_UNSUPPORTED_MEDIA: {
    status: 415,
    message: 'Unsupported Content-Type: {type}',
    fix: 'Send the body as application/json.',
  },
  HTTP_NOT_FOUND: {
    status: 404,
    message: 'Route {method} {url} not found',
    fix: 'Check the method and path against docs/api.md.',
  },
  HTTP_INTERNAL: {
    status: 500,
    message: 'Internal error',
    fix: 'Retry; the platform log holds the cause (with the request id).',
  },
  METRICS_TOKEN_REQUIRED: {
    status: 401,
    message: '/metrics needs the scrape token (DOJOT_METRICS_TOKEN) as "Authorization: Bearer <token>"',
    fix: 'Send the token set in DOJOT_METRICS_TOKEN as a bearer token (configure it in the scraper).',
  },
  METRICS_LOOPBACK_ONLY: {
    status: 403,
    message: '/metrics answers only loopback clients while DOJOT_METRICS_TOKEN is not set',
    fix: 'Scrape from this machine, or set DOJOT_METRICS_TOKEN and send it as a bearer token.',
  },
});

/** Fastify error handler: PlatformError → its status; Fastify's own 4xx → coded bodies; the rest → 500. */
export function httpErrorHandler(log: Logger) {
  return (err: FastifyError | PlatformError, req: FastifyRequest, reply: FastifyReply) => {
    const e = toPlatformError(err, req.routeOptions?.bodyLimit);
    if (e.status >= 500) log.error({ err, url: req.url, method: req.method }, 'request failed');
    else log.debug({ code: e.code, url: req.url }, e.message);
    void reply.status(e.status).send({ error: e.message, code: e.code, ...e.extra });
  };
}

/** `bodyLimit`: the route's body limit, bytes, named in a 413. */
export function toPlatformError(err: unknown, bodyLimit?: number): PlatformError {
  if (err instanceof PlatformError) return err;
  const fe = err as FastifyError;
  switch (fe?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return CommonErrors.HTTP_BAD_JSON({ detail: fe.message });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return CommonErrors.HTTP_BODY_TOO_LARGE({ limit: bodyLimit ?? 'the configured limit of' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return CommonErrors.HTTP_UNSUPPORTED_MEDIA({ type: fe.message.replace(/^.*: /, '') });
    case 'FST_ERR_VALIDATION':
      return CommonErrors.HTTP_BAD_REQUEST({ detail: fe.message });
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new PlatformError(fe.code ?? 'HTTP_BAD_REQUEST', fe.statusCode, fe.message);
  }
  return CommonErrors.HTTP_INTERNAL();
}
