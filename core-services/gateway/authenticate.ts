// One check in front of every route: a verified token (signature and exp) and a permit from the
// permission table for the method and path. Routes opt out only with config.public. A token
// whose user was removed or changed password since it was issued is refused (tokens.ts).
import type { FastifyInstance } from 'fastify';
import { AuthErrors, tokenFromHeader, type TokenService } from '../auth/client.js';
import { isPermitted } from '../platform/contracts/permissions.js';

export function installAuthentication(app: FastifyInstance, tokens: TokenService): void {
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.public) return;
    const token = tokenFromHeader(req.headers.authorization);
    if (!token) throw AuthErrors.AUTH_TOKEN_MISSING({}, { message: 'No authorization token has been supplied', status: 401 });
    req.identity = await tokens.check(token);
    if (!isPermitted(req.identity.profile, req.method, req.url)) {
      throw AuthErrors.AUTH_NOT_AUTHORIZED(
        { profile: req.identity.profile, method: req.method, path: req.url.split('?')[0] },
        { message: 'Not authorized' },
      );
    }
  });
}
