// Every call to the platform's REST API: the token in the header, JSON both ways, and an
// ApiError carrying the API's own message and the field it names.
import { currentToken, requestReauth } from './session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The input field the message is about (e.g. "label", "attrs[1].value_type"), when it names one. */
    readonly field: string | null,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** The platform answers {"error": "<field>: <problem>", ...} or dojot's {"message": ...}. */
export function errorOf(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as Record<string, unknown>;
  const text =
    typeof b.error === 'string'
      ? b.error
      : typeof b.message === 'string'
        ? b.message
        : typeof b.status === 'string'
          ? b.status
          : `HTTP ${status}`;
  const m = /^([A-Za-z_][\w.[\]]*): /.exec(text);
  return new ApiError(status, text, m ? m[1] : null, body);
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function raw(
  method: string,
  path: string,
  body?: unknown,
  accept = 'application/json',
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = { accept };
    const token = currentToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    // An expired or refused session: sign in again in place, then send the same request again.
    if (res.status === 401 && token && attempt === 0) {
      await requestReauth();
      continue;
    }
    if (!res.ok) throw errorOf(res.status, await readBody(res));
    return res;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers name the shape they read
export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  return (await readBody(await raw(method, path, body))) as T;
}

/** Fetches a file with the token and hands it to the browser as a download. */
export async function download(path: string, filename: string, accept: string) {
  const res = await raw('GET', path, undefined, accept);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** POST /auth: the token, or an ApiError (401/403 wrong username or password, 429 too many tries). */
export async function signIn(username: string, passwd: string): Promise<string> {
  const res = await fetch('/auth', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, passwd }),
  });
  const body = (await readBody(res)) as { jwt?: string } | null;
  if (!res.ok || !body?.jwt) throw errorOf(res.status, body);
  return body.jwt;
}
