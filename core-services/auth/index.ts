import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import { papRoutes } from './pap-routes.js';
import { pdpRoutes } from './pdp-routes.js';
import { passwordResetRoute } from './password-reset.js';
import { PapService } from './pap-service.js';
import { Policy } from './policy.js';
import { authRoutes } from './routes.js';
import { AuthService } from './service.js';
import { createTokenService, loadSigningSecret, type TokenService } from './tokens.js';

/** Loads (or makes) the signing secret, seeds admin/admin on first start, returns routes, the token service and the policy. */
export async function createAuth(
  ctx: PlatformContext,
): Promise<Service & { tokens: TokenService; auth: AuthService; policy: Policy }> {
  const log = ctx.log.child({ svc: 'auth' });
  const tokens = createTokenService(await loadSigningSecret(ctx.store), ctx.config.tokenTtlSeconds, ctx.cache);
  const policy = new Policy({ ...ctx, log });
  const auth = new AuthService({ ...ctx, log }, tokens, policy);
  const pap = new PapService({ ...ctx, log }, policy);
  await auth.seed();
  return {
    name: 'auth',
    routes: async (app) => {
      await app.register(authRoutes(auth));
      await app.register(papRoutes(pap));
      await app.register(pdpRoutes(tokens, policy));
      await app.register(passwordResetRoute());
    },
    start: () => policy.start(),
    close: () => policy.close(),
    tokens,
    auth,
    policy,
  };
}
