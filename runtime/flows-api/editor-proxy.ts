// The editor through the platform's one port: /flows/... (HTTP and the /flows/comms websocket)
// goes to the runtime of the signed-in user's tenant, and to no other. The tenant comes from a
// verified platform token: the Authorization header, else `?access_token=` (which the editor also
// reads and keeps), else the HttpOnly cookie set from it, which lets the browser's asset and
// websocket requests (that carry no header) reach the right runtime. The runtime checks the
// token again itself (adminAuth), so a cookie alone changes nothing.
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import path from 'node:path';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { projectRoot } from '../../core-services/platform/paths.js';
import { tokenFromHeader, type TokenService } from '../../core-services/auth/client.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { PROXY_SECRET_HEADER } from '../supervisor/ipc.js';
import type { RuntimeEndpoint } from '../supervisor/tenant-runtime.js';
import { checkJson } from '../../core-services/platform/input-guard.js';
import type { PlatformError } from '../../core-services/platform/errors.js';
import { refuseUpgrade } from '../../core-services/platform/http.js';
import { FlowErrors } from './errors.js';
import type { OfferedNodeTypes } from './node-types.js';
import { SIGN_IN_PAGE } from './sign-in-page.js';
import { guidePage } from './guide-page.js';

export const TOKEN_COOKIE = 'dojot_red_token';
/** Where the editor (and the tenant's websocket nodes) take websocket upgrades. */
const EDITOR_WS_PREFIX = '/flows/';
/** How long a request may wait for its tenant's runtime to start, ms. */
const RUNTIME_START_WAIT_MS = 30_000;
/** Longest the proxy waits for a runtime's answer to one HTTP request (not websockets), ms. */
const UPSTREAM_TIMEOUT_MS = 120_000;

interface Found {
  token: string;
  fromQuery: boolean;
}

function findToken(req: IncomingMessage): Found | null {
  const header = tokenFromHeader(req.headers.authorization);
  if (header) return { token: header, fromQuery: false };
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('access_token');
  if (q) return { token: q, fromQuery: true };
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE && v.length) return { token: decodeURIComponent(v.join('=')), fromQuery: false };
  }
  return null;
}

export async function runtimeEndpoint(supervisor: Supervisor, tenant: string): Promise<RuntimeEndpoint> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), RUNTIME_START_WAIT_MS);
  });
  try {
    const rt = await Promise.race([supervisor.ensureRunning(tenant, 'editor'), timeout]);
    const endpoint = rt.endpoint();
    if (!endpoint) throw new Error('not running');
    return endpoint;
  } catch {
    throw FlowErrors.FLOWS_RUNTIME_UNAVAILABLE({ tenant, state: supervisor.find(tenant)?.state ?? 'stopped' });
  } finally {
    clearTimeout(timer);
  }
}

/** Where the editor deploys: Node-RED's admin API POST /flows, under the admin root /flows/. */
const DEPLOY_PATH = '/flows/flows';

const tooLarge = (limit: number) =>
  FlowErrors.FLOWS_BODY_TOO_LARGE({ limit }, { message: `Request body is larger than ${limit} bytes` });

function bodyStream(req: FastifyRequest): NodeJS.ReadableStream {
  const body = req.body as NodeJS.ReadableStream | undefined;
  return body && typeof body.pipe === 'function' ? body : req.raw;
}

/** Reads the whole body, refusing (413) past `limit` bytes. */
async function readLimited(req: FastifyRequest, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = bodyStream(req);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.raw.resume(); // the rest is thrown away, so that the client reads the 413
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Hands the request to the runtime: `body` when it was read already (a deploy), else the stream,
 * counted on the way so that a body past `limit` (chunked, with no length announced) is cut off
 * with a 413.
 */
/** The request's headers for the runtime: the client's own, with the start's secret in place of any it sent. */
export function upstreamHeaders(headers: http.IncomingHttpHeaders, to: RuntimeEndpoint): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = { ...headers };
  delete out[PROXY_SECRET_HEADER];
  if (to.secret) out[PROXY_SECRET_HEADER] = to.secret;
  return out;
}

function forward(
  req: FastifyRequest,
  reply: FastifyReply,
  tenant: string,
  to: RuntimeEndpoint,
  setCookie: string | null,
  limit: number,
  body?: Buffer,
): void {
  reply.hijack();
  const res = reply.raw;
  const upstream = http.request(
    {
      host: '127.0.0.1',
      port: to.port,
      method: req.raw.method,
      path: req.raw.url,
      headers: upstreamHeaders(req.raw.headers, to),
    },
    (up) => {
      const headers = { ...up.headers };
      if (setCookie) headers['set-cookie'] = [...(up.headers['set-cookie'] ?? []), setCookie];
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
    },
  );
  // A runtime that takes the request and never answers must not hold the client forever.
  upstream.setTimeout(UPSTREAM_TIMEOUT_MS, () => upstream.destroy(new Error('flow runtime did not answer in time')));
  upstream.on('error', () => {
    if (res.headersSent) return res.destroy();
    const e = FlowErrors.FLOWS_RUNTIME_UNAVAILABLE({ tenant, state: 'not answering' });
    res
      .writeHead(e.status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: e.message, code: e.code, ...e.extra }));
  });
  if (body) {
    upstream.end(body);
    return;
  }
  let size = 0;
  const source = bodyStream(req);
  source.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) return;
    source.removeAllListeners('data');
    upstream.removeAllListeners('error');
    upstream.on('error', () => {});
    upstream.destroy();
    const e = tooLarge(limit);
    // The rest of an endless body is not read: the connection closes once the 413 is out.
    if (!res.headersSent)
      res
        .writeHead(413, { 'content-type': 'application/json', connection: 'close' })
        .end(JSON.stringify({ error: e.message, code: e.code, ...e.extra }), () => req.raw.destroy());
    else req.raw.destroy();
  });
  source.pipe(upstream);
}

/** A deploy from the editor: its JSON passes the input guard, and every node type must be offered. */
async function checkDeploy(
  body: Buffer,
  tenant: string,
  authorization: string | undefined,
  types: OfferedNodeTypes,
): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return; // not JSON: Node-RED answers it
  }
  checkJson(parsed, 'body');
  const nodes = Array.isArray(parsed) ? parsed : (parsed as { flows?: unknown } | null)?.flows;
  if (!Array.isArray(nodes)) return;
  const typed = nodes.filter(
    (n): n is { id: string; type: string } =>
      !!n && typeof n === 'object' && typeof n.type === 'string' && typeof n.id === 'string',
  );
  // A deploy carries every flow of the tenant: the subflows it may use are all in it.
  await types.check(tenant, authorization, typed as never);
}

/** bodyLimit: the largest body a /flows/ request may carry (DOJOT_FLOWS_BODY_LIMIT), bytes. */
export function editorRoutes(
  supervisor: Supervisor,
  tokens: TokenService,
  tokenTtlSeconds: number,
  bodyLimit: number,
  types: OfferedNodeTypes,
) {
  const cookieFor = (token: string) =>
    `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/flows; HttpOnly; SameSite=Strict; Max-Age=${tokenTtlSeconds}`;

  const proxy = async (req: FastifyRequest, reply: FastifyReply) => {
    const found = findToken(req.raw);
    if (!found) {
      const path = req.url.split('?')[0];
      if (req.method === 'GET' && (path === '/flows/' || path === '/flows/index.html'))
        return reply.redirect('/flows/signin');
      throw FlowErrors.FLOWS_SIGN_IN({}, { message: 'No authorization token has been supplied' });
    }
    const identity = await tokens.check(found.token);
    if (Number(req.headers['content-length'] ?? 0) > bodyLimit) {
      // The body is read and thrown away, so that the client reads the 413 rather than a reset.
      (bodyStream(req) as NodeJS.ReadableStream & { resume(): void }).resume();
      throw tooLarge(bodyLimit);
    }
    const to = await runtimeEndpoint(supervisor, identity.tenant);
    const cookie = found.fromQuery ? cookieFor(found.token) : null;
    if (req.method === 'POST' && req.url.split('?')[0] === DEPLOY_PATH) {
      const body = await readLimited(req, bodyLimit);
      await checkDeploy(body, identity.tenant, req.headers.authorization ?? `Bearer ${found.token}`, types);
      return forward(req, reply, identity.tenant, to, cookie, bodyLimit, body);
    }
    forward(req, reply, identity.tenant, to, cookie, bodyLimit);
  };

  /** Upgrades under /flows/ (the editor's /flows/comms, websocket nodes): the kernel hands them here. */
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string, e?: { message: string; code: string; status: number }) =>
      refuseUpgrade(socket, status, e && { error: e.message, code: e.code });
    const found = findToken(req);
    if (!found) return refuse('401 Unauthorized');
    socket.on('error', () => socket.destroy());
    const connect = (tenant: string) =>
      runtimeEndpoint(supervisor, tenant).then(
        (to) => {
          const up = net.connect(to.port, '127.0.0.1', () => {
            const lines = [`${req.method} ${req.url} HTTP/1.1`];
            for (let i = 0; i < req.rawHeaders.length; i += 2) {
              if (req.rawHeaders[i].toLowerCase() !== PROXY_SECRET_HEADER)
                lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
            }
            if (to.secret) lines.push(`${PROXY_SECRET_HEADER}: ${to.secret}`);
            up.write(lines.join('\r\n') + '\r\n\r\n');
            if (head.length) up.write(head);
            socket.pipe(up).pipe(socket);
          });
          up.on('error', () => socket.destroy());
          socket.on('close', () => up.destroy());
        },
        (err: PlatformError) => refuse('503 Service Unavailable', err),
      );
    tokens.check(found.token).then(
      ({ tenant }) => connect(tenant),
      () => refuse('401 Unauthorized'),
    );
  };

  return async (app: FastifyInstance) => {
    // Bodies go to the runtime untouched (the editor deploys JSON, http-in nodes take anything).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    // Paths match with or without a trailing slash (as dojot's gateway did), so `/flows/` reaches
    // this route too: only the bare `/flows` is sent to the editor's address.
    app.get('/flows', { config: { public: true } }, (req, reply) =>
      req.url.split('?')[0] === '/flows' ? reply.redirect('/flows/') : proxy(req, reply),
    );
    app.get('/flows/help', { config: { public: true } }, (req, reply) => {
      const guide = readFileSync(path.join(projectRoot(), 'docs', 'flows.md'), 'utf8');
      // The editor's help menu opens this in a browser tab: HTML there, markdown for other clients.
      if (/\btext\/html\b/.test(req.headers.accept ?? ''))
        return reply.type('text/html; charset=utf-8').send(guidePage(guide));
      return reply.type('text/markdown; charset=utf-8').send(guide);
    });
    app.get('/flows/signin', { config: { public: true } }, (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(SIGN_IN_PAGE),
    );
    // Signing out (from the console or the editor) ends the cookie the browser's editor requests ride on.
    app.post('/flows/signout', { config: { public: true } }, (req, reply) => {
      // It takes no body: one given is refused rather than ignored.
      if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding']) {
        (bodyStream(req) as NodeJS.ReadableStream & { resume(): void }).resume();
        throw FlowErrors.FLOWS_BAD_FIELD({ field: 'body', expected: 'empty (POST /flows/signout takes no body)' });
      }
      return reply
        .header('set-cookie', `${TOKEN_COOKIE}=; Path=/flows; HttpOnly; SameSite=Strict; Max-Age=0`)
        .send({ message: 'signed out' });
    });
    // Node-RED's own list of the node types this tenant is offered (the editor asks for it too).
    app.get('/flows/nodes', async (req, reply) =>
      forward(req, reply, req.identity.tenant, await runtimeEndpoint(supervisor, req.identity.tenant), null, bodyLimit),
    );
    app.route({
      method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url: '/flows/*',
      config: { public: true },
      handler: proxy,
    });

    app.upgrade(EDITOR_WS_PREFIX, upgrade);
  };
}
