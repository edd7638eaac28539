// POST /auth/pdp: dojot's policy decision point, as its gateway asked it (§1.5 of
// docs/dojot-compatibility.md): {jwt, action: <HTTP method>, resource: <path>} →
// {"decision": "permit"|"deny", "status": "ok"}. Public like dojot's (the token is in the body and
// is verified); here the gateway decides in-process, this answers other gateways and tools.
import type { FastifyPluginAsync } from 'fastify';
import { AuthErrors } from './errors.js';
import type { Policy } from './policy.js';
import type { TokenService } from './tokens.js';

const MAX_FIELD = 4096;

export function pdpRoutes(tokens: TokenService, policy: Policy): FastifyPluginAsync {
  return async (app) => {
    app.post('/auth/pdp', { config: { public: true } }, async (req) => {
      const body = (req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {}) as Record<
        string,
        unknown
      >;
      for (const field of ['action', 'jwt', 'resource'] as const) {
        const v = body[field];
        if (typeof v !== 'string' || v === '' || v.length > MAX_FIELD) {
          throw AuthErrors.AUTH_INVALID_FIELD(
            { field, problem: `is required: a string of at most ${MAX_FIELD} characters` },
            { message: `Missing ${field === 'jwt' ? 'JWT' : field}`, status: 400 },
          );
        }
      }
      const identity = tokens.verify(body.jwt as string);
      return { decision: await policy.decide(identity, body.action as string, body.resource as string), status: 'ok' };
    });
  };
}
