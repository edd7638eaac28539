// The web console: a browser application (console/, built by vite into dist/console) served by
// the platform itself. A browser asking for "/" (Accept: text/html) gets its page; a REST client
// at "/" keeps the JSON answer it had. Its files live under /console/ and need no token: the
// console signs in with POST /auth like any client.
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import { CommonErrors } from '../platform/errors.js';
import { projectRoot } from '../platform/paths.js';
import { AuthErrors, tokenFromHeader } from '../auth/client.js';
import { loadAssets, type Asset } from './assets.js';

/** Where the console's files are served from (vite's `base`). */
export const CONSOLE_BASE = '/console';

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>dojot-red</title>
<p>The web console has not been built: run <code>npm run build</code>.</p>`;

export function wantsHtml(accept: string | undefined): boolean {
  return /\btext\/html\b/.test(accept ?? '');
}

function send(req: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply
    .type(asset.type)
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('vary', 'accept-encoding');
  if (asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')))
    return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

export function createConsole(ctx: PlatformContext, opts: { dir?: string } = {}): Service {
  const assets = loadAssets(opts.dir ?? path.join(projectRoot(), 'dist', 'console'));
  if (!assets.has('/index.html')) ctx.log.warn('the web console is not built (dist/console): run npm run build');
  return {
    name: 'console',
    routes: async (app) => {
      app.get('/', { config: { public: true } }, async (req, reply) => {
        if (wantsHtml(req.headers.accept)) {
          const page = assets.get('/index.html');
          return page ? send(req, reply, page) : reply.type('text/html; charset=utf-8').status(503).send(NOT_BUILT);
        }
        // What a REST client met here before the console: the gateway's 401, or a 404 with a token.
        if (!tokenFromHeader(req.headers.authorization))
          throw AuthErrors.AUTH_TOKEN_MISSING({}, { message: 'No authorization token has been supplied', status: 401 });
        throw CommonErrors.HTTP_NOT_FOUND({ method: req.method, url: '/' });
      });
      const favicon = (req: FastifyRequest, reply: FastifyReply) => {
        const icon = assets.get('/favicon.svg');
        if (!icon) throw CommonErrors.HTTP_NOT_FOUND({ method: req.method, url: req.url.split('?')[0] });
        return send(req, reply, icon);
      };
      app.get('/favicon.ico', { config: { public: true } }, async (req, reply) => favicon(req, reply));
      app.get('/favicon.svg', { config: { public: true } }, async (req, reply) => favicon(req, reply));
      app.get(`${CONSOLE_BASE}/*`, { config: { public: true } }, async (req, reply) => {
        const rel = req.url.split('?')[0].slice(CONSOLE_BASE.length);
        const asset = assets.get(rel);
        if (!asset) throw CommonErrors.HTTP_NOT_FOUND({ method: req.method, url: req.url.split('?')[0] });
        return send(req, reply, asset);
      });
    },
  };
}
