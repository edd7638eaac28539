import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import { authRoutes } from './routes.js';
import { AuthService } from './service.js';
import { createTokenService, loadSigningSecret, type TokenService } from './tokens.js';

/** Loads (or makes) the signing secret, seeds admin/admin on first start, returns routes and the token service. */
export async function createAuth(ctx: PlatformContext): Promise<Service & { tokens: TokenService; auth: AuthService }> {
  const tokens = createTokenService(await loadSigningSecret(ctx.store), ctx.config.tokenTtlSeconds, ctx.cache);
  const auth = new AuthService({ ...ctx, log: ctx.log.child({ svc: 'auth' }) }, tokens);
  await auth.seed();
  return { name: 'auth', routes: authRoutes(auth), tokens, auth };
}
