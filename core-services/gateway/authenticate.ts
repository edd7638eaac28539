// One check in front of every route: a verified token (signature and exp) and a permit from the
// permission data of the store (the policy, cached per user). Routes opt out only with config.public.
// A token whose user was removed or changed password since it was issued is refused (tokens.ts).
import type { FastifyInstance } from 'fastify';
import { AuthErrors, tokenFromHeader, type Policy, type TokenService } from '../auth/client.js';

export function installAuthentication(app: FastifyInstance, tokens: TokenService, policy: Policy): void {
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.public) return;
    const token = tokenFromHeader(req.headers.authorization);
    if (!token)
      throw AuthErrors.AUTH_TOKEN_MISSING({}, { message: 'No authorization token has been supplied', status: 401 });
    req.identity = await tokens.check(token);
    if ((await policy.decide(req.identity, req.method, req.url)) !== 'permit') {
      throw AuthErrors.AUTH_NOT_AUTHORIZED(
        { username: req.identity.username, method: req.method, path: req.url.split('?')[0] },
        { message: 'Not authorized' },
      );
    }
  });
}
