import type { FastifyPluginAsync } from 'fastify';
import { AuthErrors } from './errors.js';
import { parseLogin, parseNewUser, parseUserPatch, requireObject } from './schemas.js';
import type { AuthService } from './service.js';
import { PLATFORM_TENANT } from './service.js';

export function authRoutes(auth: AuthService): FastifyPluginAsync {
  return async (app) => {
    // POST /auth {"username","passwd"} → {"jwt"} (dojot §1.1); public, rate-limited on failures.
    app.post('/auth', { config: { public: true } }, async (req) => {
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        throw AuthErrors.AUTH_INVALID_MIMETYPE({}, { message: 'invalid mimetype', status: 400 });
      }
      const { username, passwd } = parseLogin(req.body);
      return { jwt: await auth.login(username, passwd, req.ip) };
    });

    // dojot v0.5.2 had no revoke route; its gateway answered 403 here.
    app.all('/auth/revoke', { config: { public: true } }, async () => {
      throw AuthErrors.AUTH_REVOKE_NOT_OFFERED({}, { message: 'Not authorized' });
    });

    app.get<{ Querystring: { username?: string } }>('/auth/user', async (req) => ({
      users: await auth.listUsers(
        req.identity,
        typeof req.query.username === 'string' ? req.query.username : undefined,
      ),
    }));

    // dojot answered a two-element array (Flask's jsonify(result, 200)); its clients read [0].
    app.post('/auth/user', async (req) => {
      const user = await auth.createUser(req.identity, parseNewUser(req.body));
      return [{ user, groups: [user.profile], 'could not add': [], message: 'user created' }, 200];
    });

    app.get<{ Params: { key: string } }>('/auth/user/:key', async (req) => ({
      user: await auth.getUser(req.identity, req.params.key),
    }));

    app.put<{ Params: { key: string } }>('/auth/user/:key', async (req) => {
      await auth.updateUser(req.identity, req.params.key, parseUserPatch(req.body));
      return { message: 'ok', status: 200 };
    });

    app.delete<{ Params: { key: string } }>('/auth/user/:key', async (req) => {
      await auth.deleteUser(req.identity, req.params.key);
      return { message: 'User removed', status: 200 };
    });

    app.post('/auth/password/update', async (req) => {
      const body = requireObject(req.body);
      const { oldpasswd, newpasswd } = body;
      if (typeof oldpasswd !== 'string' || oldpasswd === '')
        throw AuthErrors.AUTH_INVALID_FIELD({ field: 'oldpasswd', problem: 'is required' });
      if (typeof newpasswd !== 'string' || newpasswd.length < 5 || newpasswd.length > 128) {
        throw AuthErrors.AUTH_INVALID_FIELD({ field: 'newpasswd', problem: 'must be a string of 5 to 128 characters' });
      }
      await auth.changePassword(req.identity, oldpasswd, newpasswd);
      return { message: 'ok', status: 200 };
    });

    app.get('/auth/admin/tenants', async (req) => {
      if (req.identity.tenant !== PLATFORM_TENANT) {
        throw AuthErrors.AUTH_NOT_AUTHORIZED(
          { username: req.identity.username, method: 'GET', path: '/auth/admin/tenants' },
          { message: 'Not authorized' },
        );
      }
      return { tenants: await auth.tenants() };
    });
  };
}
