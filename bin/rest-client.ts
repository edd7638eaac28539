// The small REST client of the command-line tools (certreq, import-example): JSON in and out, and
// any failure (unreachable, non-2xx) as a CliError that names the call and the platform's error.
export class CliError extends Error {}

/** A JSON answer: the commands read the fields each call documents. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of many shapes, read field by field
export type Json = any;

export type Call = (method: string, url: string, body?: unknown) => Promise<Json>;

export async function call(
  base: string,
  method: string,
  url: string,
  token: string | null,
  body?: unknown,
): Promise<Json> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(base + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new CliError(`cannot reach ${base}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  const text = await res.text();
  let parsed: Json = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  if (!res.ok)
    throw new CliError(`${method} ${url} answered ${res.status}: ${parsed?.error ?? parsed?.message ?? text}`);
  return parsed;
}

/** Logs in; resolves to a function making calls with the token, and the user's tenant (the token's `service`). */
export async function signIn(base: string, username: string, passwd: string): Promise<{ api: Call; tenant: string }> {
  const { jwt } = await call(base, 'POST', '/auth', null, { username, passwd });
  const claims = JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as {
    service?: string;
  };
  return { api: (method, url, body) => call(base, method, url, jwt, body), tenant: claims.service ?? '' };
}
