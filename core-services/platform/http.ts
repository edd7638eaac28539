// The one HTTP server: Fastify with coded errors, JSON-only bodies, a body limit and /health.
// Building is separate from listening so tests can use inject() or a free port.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from './log.js';
import type { Identity } from './contracts/identity.js';
import { answersPlainJson } from './contracts/content-types.js';
import { CommonErrors, httpErrorHandler } from './errors.js';
import { registerHealth, type HealthChecks, type HealthDetails } from './health.js';
import { installInputGuard } from './input-guard.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the gateway from a verified token; absent on public routes. */
    identity: Identity;
  }
  interface FastifyInstance {
    /** Every route registered, as method and URL pattern (tests walk them all). */
    routeList: { method: string; url: string }[];
    /**
     * Routes websocket upgrades whose path starts with `prefix` to `handler` (one prefix, one
     * owner). The kernel is the server's only 'upgrade' listener: a path no service registered is
     * answered 404 here, and a handler that throws costs its socket, not the process.
     */
    upgrade(prefix: string, handler: UpgradeHandler): void;
  }
  interface FastifyContextConfig {
    /** Routes marked public are served without a token (POST /auth, /health, websocket upgrades). */
    public?: boolean;
  }
}

const JSON_WITH_CHARSET = 'application/json; charset=utf-8';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Answers a websocket upgrade with a plain HTTP status and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: string, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  const type = body === undefined ? '' : 'Content-Type: application/json\r\n';
  socket.end(
    `HTTP/1.1 ${status}\r\n${type}Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** The server's one 'upgrade' listener: the longest registered prefix of the path owns the upgrade. */
function installUpgrades(app: FastifyInstance, log: Logger): void {
  const handlers = new Map<string, UpgradeHandler>();
  app.decorate('upgrade', (prefix: string, handler: UpgradeHandler) => {
    if (!prefix.startsWith('/') || !prefix.endsWith('/'))
      throw new Error(`a websocket prefix starts and ends with "/" (got "${prefix}")`);
    if (handlers.has(prefix)) throw new Error(`websocket upgrades under ${prefix} already have an owner`);
    handlers.set(prefix, handler);
  });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    let owner: string | undefined;
    for (const prefix of handlers.keys())
      if (path.startsWith(prefix) && (!owner || prefix.length > owner.length)) owner = prefix;
    if (!owner) {
      const e = CommonErrors.HTTP_NOT_FOUND({ method: 'GET (websocket)', url: path });
      return refuseUpgrade(socket, '404 Not Found', { error: e.message, code: e.code });
    }
    try {
      handlers.get(owner)!(req, socket, head);
    } catch (err) {
      log.warn({ err, prefix: owner }, 'websocket upgrade failed');
      socket.destroy();
    }
  };
  app.server.on('upgrade', onUpgrade);
  app.addHook('onClose', async () => {
    app.server.off('upgrade', onUpgrade);
  });
}

export interface HttpOptions {
  log: Logger;
  bodyLimit: number;
  /** What GET /health asks (health.ts); none: it answers ok while the process serves. */
  health?: HealthChecks;
  /** What GET /health also tells (health.ts); filled in later by the composition root. */
  healthDetails?: HealthDetails;
}

export function buildHttp(opts: HttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.log.child({ svc: 'http' }),
    // One line per request would drown the device traffic; errors are logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    requestIdHeader: 'x-request-id',
    trustProxy: false,
    return503OnClosing: true,
    // Longer path parameters reach the input guard, which answers them with 400 naming the parameter;
    // dojot's gateway matched a path with or without its trailing slash (its clients POST /auth/).
    routerOptions: { maxParamLength: 8_192, ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }) as unknown as FastifyInstance;
  app.decorateRequest('identity', null as unknown as Identity);
  const routeList: { method: string; url: string }[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routeList.push({ method, url: r.url });
  });
  installUpgrades(app, opts.log);
  app.setErrorHandler(httpErrorHandler(opts.log));
  // Before any route registers, so every route's path, query and body pass it.
  installInputGuard(app);
  app.setNotFoundHandler((req, reply) => {
    const e = CommonErrors.HTTP_NOT_FOUND({ method: req.method, url: req.url.split('?')[0] });
    void reply.status(404).send({ error: e.message, code: e.code });
  });
  // dojot clients sometimes send JSON with a charset or no body on DELETE: accept an empty body as none.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(CommonErrors.HTTP_BAD_JSON({ detail: (err as Error).message }), undefined);
    }
  });
  // Fastify appends "; charset=utf-8" to every JSON answer; where dojot sent the bare type, so do we.
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.getHeader('content-type') === JSON_WITH_CHARSET && answersPlainJson(req.url))
      reply.header('content-type', 'application/json');
    return payload;
  });
  registerHealth(app, opts.health ?? {}, opts.healthDetails);
  return app;
}
