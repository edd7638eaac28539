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
import type { Logger } from '../../core-services/platform/log.js';
import { projectRoot } from '../../core-services/platform/paths.js';
import { tokenFromHeader, type TokenService } from '../../core-services/auth/client.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { FlowErrors } from './errors.js';
import { SIGN_IN_PAGE } from './sign-in-page.js';
import { guidePage } from './guide-page.js';

export const TOKEN_COOKIE = 'dojot_red_token';
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

async function runtimePort(supervisor: Supervisor, tenant: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), RUNTIME_START_WAIT_MS);
  });
  try {
    const rt = await Promise.race([supervisor.ensureRunning(tenant), timeout]);
    if (rt.port === null) throw new Error('no port');
    return rt.port;
  } catch {
    throw FlowErrors.FLOWS_RUNTIME_UNAVAILABLE({ tenant, state: supervisor.find(tenant)?.state ?? 'stopped' });
  } finally {
    clearTimeout(timer);
  }
}

function forward(req: FastifyRequest, reply: FastifyReply, port: number, setCookie: string | null): void {
  reply.hijack();
  const res = reply.raw;
  const upstream = http.request({ host: '127.0.0.1', port, method: req.raw.method, path: req.raw.url, headers: req.raw.headers }, (up) => {
    const headers = { ...up.headers };
    if (setCookie) headers['set-cookie'] = [...(up.headers['set-cookie'] ?? []), setCookie];
    res.writeHead(up.statusCode ?? 502, headers);
    up.pipe(res);
  });
  // A runtime that takes the request and never answers must not hold the client forever.
  upstream.setTimeout(UPSTREAM_TIMEOUT_MS, () => upstream.destroy(new Error('flow runtime did not answer in time')));
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'flow runtime unavailable', code: 'FLOWS_RUNTIME_UNAVAILABLE' }));
    else res.destroy();
  });
  const body = req.body as NodeJS.ReadableStream | undefined;
  (body && typeof body.pipe === 'function' ? body : req.raw).pipe(upstream);
}

export function editorRoutes(supervisor: Supervisor, tokens: TokenService, tokenTtlSeconds: number, log: Logger) {
  const cookieFor = (token: string) => `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/flows; HttpOnly; SameSite=Strict; Max-Age=${tokenTtlSeconds}`;

  const proxy = async (req: FastifyRequest, reply: FastifyReply) => {
    const found = findToken(req.raw);
    if (!found) {
      const path = req.url.split('?')[0];
      if (req.method === 'GET' && (path === '/flows/' || path === '/flows/index.html')) return reply.redirect('/flows/signin');
      throw FlowErrors.FLOWS_SIGN_IN({}, { message: 'No authorization token has been supplied' });
    }
    const identity = tokens.verify(found.token);
    const port = await runtimePort(supervisor, identity.tenant);
    forward(req, reply, port, found.fromQuery ? cookieFor(found.token) : null);
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, server: http.Server) => {
    if (!req.url?.startsWith('/flows/')) {
      // Another service's websocket; with no other listener nobody would ever answer it.
      if (server.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    const refuse = (status: string) => socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    const found = findToken(req);
    let tenant: string;
    try {
      if (!found) return refuse('401 Unauthorized');
      tenant = tokens.verify(found.token).tenant;
    } catch {
      return refuse('401 Unauthorized');
    }
    socket.on('error', () => socket.destroy());
    runtimePort(supervisor, tenant).then(
      (port) => {
        const up = net.connect(port, '127.0.0.1', () => {
          const lines = [`${req.method} ${req.url} HTTP/1.1`];
          for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
          up.write(lines.join('\r\n') + '\r\n\r\n');
          if (head.length) up.write(head);
          socket.pipe(up).pipe(socket);
        });
        up.on('error', () => socket.destroy());
        socket.on('close', () => up.destroy());
      },
      () => refuse('503 Service Unavailable'),
    );
  };

  return async (app: FastifyInstance) => {
    // Bodies go to the runtime untouched (the editor deploys JSON, http-in nodes take anything).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    app.get('/flows', { config: { public: true } }, (_req, reply) => reply.redirect('/flows/'));
    app.get('/flows/help', { config: { public: true } }, (req, reply) => {
      const guide = readFileSync(path.join(projectRoot(), 'docs', 'flows.md'), 'utf8');
      // The editor's help menu opens this in a browser tab: HTML there, markdown for other clients.
      if (/\btext\/html\b/.test(req.headers.accept ?? '')) return reply.type('text/html; charset=utf-8').send(guidePage(guide));
      return reply.type('text/markdown; charset=utf-8').send(guide);
    });
    app.get('/flows/signin', { config: { public: true } }, (_req, reply) => reply.type('text/html; charset=utf-8').send(SIGN_IN_PAGE));
    // Signing out (from the console or the editor) ends the cookie the browser's editor requests ride on.
    app.post('/flows/signout', { config: { public: true } }, (_req, reply) =>
      reply.header('set-cookie', `${TOKEN_COOKIE}=; Path=/flows; HttpOnly; SameSite=Strict; Max-Age=0`).send({ message: 'signed out' }),
    );
    // Node-RED's own list of the node types this tenant is offered (the editor asks for it too).
    app.get('/flows/nodes', async (req, reply) => forward(req, reply, await runtimePort(supervisor, req.identity.tenant), null));
    app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/flows/*', config: { public: true }, handler: proxy });

    const server = app.server;
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        upgrade(req, socket, head, server);
      } catch (err) {
        log.warn({ err }, 'editor websocket upgrade failed');
        socket.destroy();
      }
    };
    server.on('upgrade', onUpgrade);
    app.addHook('onClose', async () => {
      server.off('upgrade', onUpgrade);
    });
  };
}
